#include "netlat_vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
char LICENSE[] SEC("license") = "GPL";
#define P(name) SEC("tp_btf/" #name) int f_##name(void *ctx) { return 0; }
P(tcp_sendmsg_locked) P(sock_send_length) P(net_dev_queue) P(net_dev_start_xmit) P(netif_rx) P(consume_skb) P(tcp_probe)
P(tcp_retransmit_skb) P(kfree_skb) P(inet_sock_set_state) P(tcp_destroy_sock) P(tcp_send_reset) P(tcp_receive_reset)
