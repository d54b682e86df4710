/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* netlat kernel programs: one object, one concern per included file. Observers only: no program modifies packets. */
#include "tx_stages.bpf.h"
#include "tcp_events.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
