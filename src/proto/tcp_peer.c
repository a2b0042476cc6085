/* SPDX-License-Identifier: BSD-3-Clause */
/* Connection addressing for reports (kept apart from the engine's files). */
#include "tcp.h"
#include "tcp_priv.h"

void pg_tcp_conn_peer(const struct pg_tcp_conn *c, uint32_t *ip, uint16_t *port)
{
	*ip = c->raddr;
	*port = c->rport;
}
