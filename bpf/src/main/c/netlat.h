/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * netlat.h — the structures both the kernel programs and the Java side read.
 * Java does not hard-code offsets: build.sh compiles layout.c, which prints every offset below into
 * netlat.layout, shipped next to the object and read by dev.netlat.internal.Layout.
 */
#ifndef NETLAT_H
#define NETLAT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Histograms, in the order of dev.netlat.Metric: the stages (dev.netlat.Stage order), then RTT. */
#define NL_HIST_SOCKET 0
#define NL_HIST_QDISC  1
#define NL_HIST_DEVICE 2
#define NL_HIST_TOTAL  3
#define NL_HIST_ACK    4
#define NL_HIST_RTT    5
#define NL_HISTS       6

/* Log-linear buckets (dev.netlat.HistogramBuckets): <64 ns exact, then 64 per power of two up to 2^37 ns. */
#define NL_SUB_BITS 6
#define NL_SUB      (1 << NL_SUB_BITS)
#define NL_MAX_EXP  37
#define NL_BUCKETS  (NL_SUB + (NL_MAX_EXP - NL_SUB_BITS) * NL_SUB)
#define NL_OVERFLOW NL_BUCKETS
#define NL_SLOTS    (NL_BUCKETS + 1)

/* Counters (the per-CPU map `counters`, maps.bpf.h); Java: dev.netlat.internal.Counter. */
#define NL_C_WRITES          0
#define NL_C_BYTES           1
#define NL_C_PACKETS         2
#define NL_C_NOQUEUE_PACKETS 3  /* followed packets that went to a device without a qdisc (noqueue, e.g. lo) */
#define NL_C_TIMED_WRITES    4  /* writes whose stages are timed (all of them while a window asks for every write) */
#define NL_C_TIMED_PACKETS   5  /* packets followed through their stages: those of timed writes */
#define NL_C_RETRANS         6
#define NL_C_RETRANS_BYTES   7
#define NL_C_RETRANS_FAILED  8
#define NL_C_DROPS           9
#define NL_C_RST_SENT        10
#define NL_C_RST_RECV        11
#define NL_C_CONN_OPENED     12
#define NL_C_CONN_CLOSED     13
#define NL_C_LISTEN_OVERFLOW 14
#define NL_C_RETRANS_KIND    15 /* + dev.netlat.RetransmitKind ordinal (6 kinds) */
#define NL_C_INCOMPLETE      21 /* stage samples abandoned: socket closed or tracing restarted before they completed */
#define NL_C_SOCKETS         22 /* socket states created (a socket gets a new one after giving its state back) */
#define NL_C_NESTED          23 /* runs of a nested-hook program: each stands for one recursion miss of its primary */
#define NL_COUNTERS          32

/* Causes of lost samples or events (G.lost): C name, index, Java name, what it means. build.sh generates the
 * enum dev.netlat.LostCause from this table and the next one (java_enums.c), so the words live here once. */
#define NL_LOST_CAUSE_TABLE(X)                                                                                   \
	X(NL_L_WRITE_RING, 0, WRITE_RING_FULL,                                                                   \
	  "write ring full (more writes in flight on one socket than netlat.maps.writesInFlight)")               \
	X(NL_L_PKT_RING, 1, PACKET_RING_FULL,                                                                    \
	  "packet ring full (more packets in flight on one socket than netlat.maps.packetsInFlight)")            \
	X(NL_L_SOCKS_FULL, 2, SOCKET_TABLE_FULL, "socket table full (netlat.maps.sockets)")                      \
	X(NL_L_PORT_FULL, 3, PORT_TABLE_FULL, "port table full (netlat.maps.portStats): port views incomplete")  \
	X(NL_L_NO_PACKET, 5, PACKET_NOT_SEEN, "packet of a write not seen")                                      \
	X(NL_L_NO_XMIT, 6, START_XMIT_NOT_SEEN, "net_dev_start_xmit of a packet not seen")                       \
	X(NL_L_NO_DONE, 7, DEVICE_DONE_NOT_SEEN, "device-done of a packet not seen")                             \
	X(NL_L_NO_QUEUE, 8, QUEUE_NOT_SEEN,                                                                      \
	  "net_dev_queue of a first transmission not seen (its later stages are still followed)")                \
	X(NL_L_STATE_RELEASED, 9, STATE_BEING_RELEASED,                                                          \
	  "write started just as its idle socket's state was being given back (counted, not timed)")              \
	X(NL_L_NO_STORAGE, 10, SOCKET_STORAGE_FAILED,                                                            \
	  "no kernel memory for a socket's own storage (its writes not timed, its packets not counted)")          \
	X(NL_L_NO_ACK, 11, ACK_NOT_SEEN,                                                                         \
	  "ACK of a packet not seen (the kernel skipped that tcp_probe run): its ACK and RTT times are not known")
/* index 4 is unused: tx_skbs is an LRU map, and an evicted skb shows up as NL_L_NO_DONE */
#define NL_LOST_ENUM(name, index, java, text) name = index,
enum { NL_LOST_CAUSE_TABLE(NL_LOST_ENUM) };
/* Causes no program counts, found by the Java side: Java name, what it means. Kept beside the kernel's so that
 * dev.netlat.LostCause has one source. */
#define NL_JAVA_LOST_CAUSE_TABLE(X)                                                                              \
	X(KERNEL_SKIPPED_RUNS, "program runs skipped by the kernel (recursion_misses)")                          \
	X(UNRESOLVED_AT_READ, "samples still unresolved when read (TraceOptions.readTimeout ran out)")
#define NL_LOST_CAUSES    16

#define NL_DROP_REASONS   256 /* reasons >= 255 are folded into 255 */

/* Retransmit kinds: C name, index, Java name, what it means. dev.netlat.RetransmitKind is generated from this table
 * (java_enums.c, run by build.sh), in index order. */
#define NL_RETRANSMIT_KIND_TABLE(X)                                                                              \
	X(RK_TIMEOUT, 0, TIMEOUT, "The retransmission timer fired (socket in CA_Loss)")                          \
	X(RK_FAST, 1, FAST, "Fast retransmit or recovery after duplicate ACKs or SACK (CA_Recovery, CA_Disorder or CA_CWR)") \
	X(RK_TLP, 2, TAIL_LOSS_PROBE, "A tail loss probe (the probe timer was pending)")                          \
	X(RK_SYN, 3, SYN, "A SYN of an outgoing connect")                                                        \
	X(RK_SYN_ACK, 4, SYN_ACK, "A SYN-ACK of a listening socket (tcp:tcp_retransmit_synack)")                 \
	X(RK_OTHER, 5, OTHER, "Anything else (e.g. MTU probing, CA_Open without a probe pending)")
#define NL_RK_ENUM(name, index, java, text) name = index,
enum { NL_RETRANSMIT_KIND_TABLE(NL_RK_ENUM) };

/* Event kinds: dev.netlat.NetworkEvent.Kind order (checked the same way). */
#define NL_EV_RETRANSMIT      0
#define NL_EV_DROP            1
#define NL_EV_RESET_SENT      2
#define NL_EV_RESET_RECEIVED  3
#define NL_EV_LISTEN_OVERFLOW 4
#define NL_EVENTS             1024 /* power of two */

/* Per-port statistics key kinds (port_stats map): histogram buckets, sums, counters. */
#define NL_PK_HIST    0  /* + hist id, bucket = histogram bucket */
#define NL_PK_COUNTER 16 /* + counter id, bucket = 0 */
#define NL_PK_DROP_REASON 64 /* bucket = drop reason */

struct nl_event {
	__u64 ts_ns;    /* bpf_ktime_get_ns */
	__u32 kind;
	__u32 detail;   /* retransmit kind, drop reason */
	__u32 seq;
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 pad;
	__u32 pad2;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Knobs Java sets in .rodata before load (const volatile: the verifier sees them as constants). */
struct nl_knobs {
	__u32 target_tgid;       /* trace sockets written by this process; 0 = any process */
	__u32 writes_in_flight;  /* per socket, at most NL_W_SLOTS: writes followed at once */
	__u32 packets_in_flight; /* per socket, at most NL_P_SLOTS: packets followed at once */
	__u32 settle_at_queue;   /* 1 when the ACK hook is not loaded: queue and device-done then resolve samples */
	__u32 listen_overflow_reason; /* this kernel's SKB_DROP_REASON_TCP_LISTEN_OVERFLOW (from its BTF); 0 = it has none */
	__u32 retrans_catch_up;  /* 1 where the kernel can skip a program unseen (PID-1 skip): ACKs pick up retransmits */
	/* testing only (netlat.test.hideQueueEvery, 0 = off): the queue hook acts as if the kernel had skipped its run
	 * for every Nth new-data packet of a socket, so that the recovery from hidden queue events is tested on any
	 * kernel, not only where the PID-1 skip happens now and then */
	__u32 hide_queue_every;
	/* testing only (netlat.test.hideAckEvery, 0 = off): the ACK hook acts as if the kernel had skipped its run for
	 * every Nth segment that ACKs new data of a socket while an ACK is awaited, so that ACKs no program saw are
	 * tested on any kernel (every Nth segment of all would often hit only window updates) */
	__u32 hide_ack_every;
};

/*
 * Which writes are timed when no window asks for all of them: each socket's budget, a token bucket of NL_TIMED_BURST
 * writes refilled at NL_TIMED_PER_SEC (writes.bpf.h). Counts stay exact either way; timing costs ~4 us per write on
 * loopback here, following only the budget's writes keeps it to a few ms a second per socket.
 */
#define NL_TIMED_BURST   256
#define NL_TIMED_PER_SEC 1000
/* Busy sockets (half their bucket or less left) also take from one bucket for the whole process: timing costs the
 * same few ms a second however many sockets are busy. */
#define NL_TIMED_ALL_BURST   256
#define NL_TIMED_ALL_PER_SEC 2000

/* Per-socket ring sizes (the most the knobs above may ask for); powers of two. */
#define NL_W_SLOTS 2048
#define NL_P_SLOTS 512

struct nl_port_key {
	__u16 lport;
	__u16 rport;
	__u16 kind;
	__u16 bucket;
};

/*
 * The counters every write and packet adds to, per socket, for port views (the array `port_hot`, mmap-ed by Java):
 * a socket's slot is taken at its first write in scope and kept in its own storage, so counting is an array index
 * and an atomic add, where the per-port table (`port_stats`) costs a hash lookup per counter. Java adds up the slots
 * of each port pair. A socket without a slot (the array full, or port views asked for only after its write began)
 * counts in `port_stats` instead.
 */
#define NL_CACHE_LINE __attribute__((aligned(64)))
#define NL_PORT_SLOTS 65536
/* The counters every write and packet adds to, and those every timed write and followed packet adds to: counters
 * 0..5 (NL_C_WRITES .. NL_C_TIMED_PACKETS). The timed ones counted per port through `port_stats` cost a hash lookup
 * each on the timed path, on the ACK's way to the peer. */
#define NL_PORT_HOT   6
/* A cache line each: the two ends of a connection take neighbouring slots, and their writers run on different CPUs.
 * Two 32-byte slots in one line made each atomic add take the line from the other CPU: on the 4-connection echo that
 * one add was as dear as all the rest of nl_dev_queue (perf, `hooks` step). */
struct nl_port_hot {
	__u16 lport;     /* 0 until the slot is taken */
	__u16 rport;
	__u32 pad;
	__u64 c[NL_PORT_HOT];
} NL_CACHE_LINE;

/* Everything Java reads or writes without a syscall: the mmap-ed .bss of the object. The fields every program reads
 * on every event come first, in a cache line no program writes: a field written on one CPU would otherwise take
 * that line away from the others on each write and packet. */
struct nl_global {
	__u64 active;          /* written by Java: number of open trace windows */
	__u64 epoch;           /* written by Java: bumped when tracing (re)starts, resets stale socket state */
	__u64 port_views;      /* written by Java: open windows that want per-port views; 0 = skip the port table */
	__u64 time_all;        /* written by Java: open windows that want every write timed; 0 = each socket's budget */
	__u64 port_gen;        /* written by Java: bumped when it empties port_hot; a socket's slot of an older one is void */
	__u64 txskb_inflight NL_CACHE_LINE; /* entries in tx_skbs: lets the skb-free hooks return at once when zero */
	__u64 ev_head;         /* events written so far; events[ev_head % NL_EVENTS] is the next slot */
	__u64 port_slot_next;  /* port_hot slots taken in this generation (may run past NL_PORT_SLOTS: then none is left) */
	__u64 timed_all_tat NL_CACHE_LINE; /* the process-wide timing bucket (writes.bpf.h), written by timed writes */
	__u64 lost[NL_LOST_CAUSES] NL_CACHE_LINE;
	/* Samples a stage has begun, and those recorded or given up (lost/abandoned), per hist id, kept per tracing
	 * period (epoch & 1): readers wait only for their own period's samples, so work an earlier period left
	 * unfinished (a socket idle since, or destroyed later) never holds up a later window. Java zeroes a period's
	 * row before publishing its epoch. */
	__u64 entered[2][8];
	__u64 completed[2][8];
	__u64 sum_ns[8];
	__u64 drops_by_reason[NL_DROP_REASONS];
	__u64 hist[NL_HISTS][NL_SLOTS];
	struct nl_event events[NL_EVENTS];
};

#endif
