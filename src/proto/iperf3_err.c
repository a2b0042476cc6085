/* SPDX-License-Identifier: BSD-3-Clause */
/* iperf3's messages for the error codes a peer can send (iperf_error.c of 3.12), so
 * that our client words a SERVER_ERROR the way the iperf3 client does. */
#include "iperf3.h"

struct ierr_text {
	int32_t code;
	const char *text;
};

static const struct ierr_text ierr_texts[] = {
	{ 100, "unable to create a new test" },
	{ 101, "test initialization failed" },
	{ 102, "unable to start listener for connections" },
	{ 104, "unable to accept connection from client" },
	{ 106, "unable to receive cookie at server" },
	{ 107, "unable to write to the control socket" },
	{ 108, "unable to read from the control socket" },
	{ 109, "control socket has closed unexpectedly" },
	{ 110, "received an unknown control message" },
	{ 111, "unable to send control message" },
	{ 112, "unable to receive control message" },
	{ 114, "unable to receive parameters from client" },
	{ 115, "unable to package results" },
	{ 116, "unable to send results" },
	{ 117, "unable to receive results" },
	{ 119, "the client has terminated" },
	{ 120, "the server has terminated" },
	{ 121, "the server is busy running a test. try again later" },
	{ 122, "unable to set TCP/SCTP NODELAY" },
	{ 123, "unable to set TCP/SCTP MSS" },
	{ 124, "unable to set socket buffer size" },
	{ 125, "unable to set IP TOS" },
	{ 127, "unable to set IPv6 flow label" },
	{ 130, "unable to set socket window size" },
	{ 131, "protocol does not exist" },
	{ 132, "unable to set CPU affinity" },
	{ 134, "unable to set TCP_CONGESTION" },
	{ 140, "unable to set socket pacing" },
	{ 141, "socket buffer size not set correctly" },
	{ 142, "test authorization failed" },
	{ 144, "idle timeout for receiving data" },
	{ 145, "unable to set IP Do-Not-Fragment flag" },
	{ 160, "the server has terminated the test because it exceeded its duration" },
	{ 200, "unable to create a new stream" },
	{ 201, "unable to initialize stream" },
	{ 202, "unable to start stream listener" },
	{ 203, "unable to connect stream" },
	{ 204, "unable to accept stream connection" },
	{ 205, "unable to write to stream socket" },
	{ 206, "unable to read from stream socket" },
	{ 207, "stream socket has closed unexpectedly" },
	{ 208, "stream has an invalid id" },
	{ 27, "total required bandwidth is larger than server limit" },
};

const char *pg_iperf3_ierr_str(int32_t code)
{
	size_t i;

	for (i = 0; i < sizeof(ierr_texts) / sizeof(ierr_texts[0]); i++)
		if (ierr_texts[i].code == code)
			return ierr_texts[i].text;
	return "unknown iperf3 error";
}
