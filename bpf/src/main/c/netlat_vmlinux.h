/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The few kernel types netlat reads, declared by hand for CO-RE instead of a 3 MB generated vmlinux.h.
 * Only field names and types matter: libbpf relocates every access against the running kernel's BTF
 * (preserve_access_index), so the layout here is not the kernel's and sizeof() of these types must not be used.
 */
#ifndef NETLAT_VMLINUX_H
#define NETLAT_VMLINUX_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef unsigned long size_t;
typedef __s32 s32;
typedef __s64 s64;
typedef _Bool bool;
enum { false = 0, true = 1 };

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_SK_STORAGE = 24,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
	BPF_F_NO_PREALLOC = 1,
	BPF_F_MMAPABLE = 1024,
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1,
};

struct task_struct;

struct bpf_timer {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct bpf_spin_lock {
	__u32 val;
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__be32 u6_addr32[4];
	} in6_u;
};

struct sock_common {
	union {
		struct {
			__be32 skc_daddr;
			__be32 skc_rcv_saddr;
		};
	};
	union {
		struct {
			__be16 skc_dport;
			__u16 skc_num;
		};
	};
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

typedef struct {
	int counter;
} atomic_t;

struct sock {
	struct sock_common __sk_common;
	atomic_t sk_drops;
	__u16 sk_protocol;
	__u32 sk_ack_backlog;
	__u32 sk_max_ack_backlog;
	void *sk_bpf_storage; /* struct bpf_local_storage __rcu *: NULL while the socket has no BPF storage at all */
};

struct inet_connection_sock {
	__u8 icsk_ca_state : 5;
	__u8 icsk_pending;
};

struct tcp_sock {
	__u32 write_seq;
	__u32 snd_nxt;
	__u32 snd_una;
	__u32 srtt_us;
	__u32 total_retrans;
};

/* TCP's control block in skb->cb on receive: the ACK number TCP acts on (its offset moved when 6.18's AccECN
 * widened tcp_flags to 16 bits; CO-RE relocates it) */
struct tcp_skb_cb {
	__u32 ack_seq;
};

struct Qdisc {
	void *enqueue;
};

struct netdev_queue {
	struct Qdisc *qdisc;
};

struct net_device {
	struct netdev_queue *_tx;
	int ifindex;
	unsigned int flags;
};

struct sk_buff {
	struct sock *sk;
	struct net_device *dev;
	unsigned int len;
	__u16 queue_mapping;
	__u16 transport_header;
	__u16 network_header;
	unsigned char *head;
	unsigned char *data;
	unsigned int end;
	char cb[48];
};

struct skb_shared_info {
	unsigned short gso_segs;
};

struct msghdr {
	int msg_flags;
};

#pragma clang attribute pop

/* Read from packet memory with bpf_probe_read_kernel, not relocated. */
struct tcphdr {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8 doff_res; /* doff in the high nibble */
	__u8 flags;    /* CWR ECE URG ACK PSH RST SYN FIN */
	__be16 window;
	__u16 check;
	__u16 urg_ptr;
};

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IFF_LOOPBACK 0x8
#define CLOCK_MONOTONIC 1

#endif
