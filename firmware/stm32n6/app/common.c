/* SPDX-License-Identifier: BSD-3-Clause */
/* The app's shared pieces: the const pattern, logging, zero-copy TCP fill, init and poll. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "pgfw_priv.h"

#define D10 '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'
#define D100 D10, D10, D10, D10, D10, D10, D10, D10, D10, D10
#define D1000 D100, D100, D100, D100, D100, D100, D100, D100, D100, D100
/* In flash on a board: 8200 bytes, '0' + i % 10. */
const uint8_t pgfw_pattern[PGFW_PATTERN_LEN + 10] = {
	D1000, D1000, D1000, D1000, D1000, D1000, D1000, D1000, D100, D100,
};
_Static_assert(PGFW_PATTERN_LEN % 10 == 0, "pattern length keeps the digit phase");

void pgfw_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	pgfw_port_write(buf, (size_t)n);
}

err_t pgfw_tcp_fill(struct tcp_pcb *pcb, uint64_t *left, uint64_t *queued)
{
	err_t err = ERR_OK;

	/* Segments reference the const pattern (no TCP_WRITE_FLAG_COPY); MORE lets lwIP
	 * coalesce writes into full segments and leaves PSH for the last one. */
	while (*left > 0) {
		uint32_t room = tcp_sndbuf(pcb);
		uint32_t n = PGFW_PATTERN_LEN;
		uint32_t off = (uint32_t)(*queued % 10u);

		if (room < TCP_MSS && room < *left)
			break;
		if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 4)
			break;
		if (n > room)
			n = room;
		if (n > *left)
			n = (uint32_t)*left;
		err = tcp_write(pcb, pgfw_pattern + off, (u16_t)n, TCP_WRITE_FLAG_MORE);
		if (err != ERR_OK)
			break;
		*left -= n;
		*queued += n;
	}
	if (err == ERR_MEM)
		err = ERR_OK;
	if (err == ERR_OK)
		err = tcp_output(pcb);
	return err;
}

void pgfw_tcp_ack_tail(struct tcp_pcb *pcb, uint16_t len)
{
	if (len < TCP_MSS) {
		tcp_set_flags(pcb, TF_ACK_NOW);
		tcp_output(pcb);
	}
}

int pgfw_init(void)
{
	int rc = pgfw_iperf2_server_init();

	if (rc == 0)
		rc = pgfw_iperf3_server_init();
	if (rc == 0)
		pgfw_log("pgfw: serving iperf2 on %d (TCP, UDP) and iperf3 on %d", PGFW_IPERF2_PORT,
			 PGFW_IPERF3_PORT);
	return rc;
}

void pgfw_poll(void)
{
	uint64_t now = pgfw_port_now_us();

	pgfw_iperf2_poll(now);
	pgfw_iperf3_poll(now);
	pgfw_client_poll(now);
}

void pgfw_tcp_unhook(struct tcp_pcb *pcb)
{
	if (pcb == NULL)
		return;
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

err_t pgfw_tcp_close(struct tcp_pcb *pcb)
{
	if (pcb != NULL && tcp_close(pcb) != ERR_OK) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	return ERR_OK;
}

int pgfw_serve_port(uint16_t port, tcp_accept_fn accept, struct udp_pcb **udp, udp_recv_fn recv)
{
	struct tcp_pcb *l, *pcb = tcp_new();

	if (pcb == NULL)
		return -ENOMEM;
	if (tcp_bind(pcb, IP_ADDR_ANY, port) != ERR_OK) {
		tcp_close(pcb);
		return -EADDRINUSE;
	}
	l = tcp_listen_with_backlog(pcb, 4);
	if (l == NULL) {
		tcp_close(pcb);
		return -ENOMEM;
	}
	tcp_accept(l, accept);
	*udp = udp_new();
	if (*udp == NULL)
		return -ENOMEM;
	if (udp_bind(*udp, IP_ADDR_ANY, port) != ERR_OK)
		return -EADDRINUSE;
	udp_recv(*udp, recv, NULL);
	return 0;
}
