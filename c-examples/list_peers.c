/*
 * list_peers: `booth peers` through libbooth, printed in the format of `booth peers`.
 *
 *   cc list_peers.c $(pkg-config --cflags --libs libbooth) -o list_peers
 *   ./list_peers [CONFIG [SITE]]
 */
#include <stdio.h>
#include <booth.h>

int main(int argc, char **argv)
{
	char msg[256] = "";
	booth_handle *h = NULL;
	booth_peer_list *peers = NULL;
	booth_result r;
	size_t n = 0, i;

	r = booth_open(argc > 1 ? argv[1] : NULL, msg, sizeof msg, &h);
	if (r != BOOTH_RESULT_OK) {
		fprintf(stderr, "list_peers: open: %s (%u): %s\n", booth_strerror(r),
			(unsigned)r, msg);
		return 1;
	}
	r = booth_peers(h, argc > 2 ? argv[2] : NULL, &peers);
	if (r != BOOTH_RESULT_OK) {
		booth_last_message(h, msg, sizeof msg, NULL);
		fprintf(stderr, "list_peers: %s (%u): %s\n", booth_strerror(r), (unsigned)r, msg);
		booth_close(&h);
		return 1;
	}
	booth_peer_list_len(peers, &n);
	for (i = 0; i < n; i++) {
		const booth_peer *p = NULL;
		booth_peer_list_get(peers, i, &p);
		printf("%-12s %s, last recv: %s\n"
		       "\tSent pkts:%u error:%u resends:%u\n"
		       "\tRecv pkts:%u error:%u authfail:%u invalid:%u\n\n",
		       p->kind == BOOTH_MEMBER_KIND_ARBITRATOR ? "arbitrator" : "site",
		       p->addr, p->last_recv_text, p->sent, p->sent_errors, p->resends,
		       p->received, p->recv_errors, p->authfail, p->invalid);
	}
	booth_peer_list_free(&peers);
	booth_close(&h);
	return 0;
}
