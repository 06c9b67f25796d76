/*
 * list_tickets: `booth list` through libbooth. Prints every ticket in the format of
 * `booth list` (so the two can be compared byte for byte), then one summary line per
 * ticket granted to this host on stderr.
 *
 *   cc list_tickets.c $(pkg-config --cflags --libs libbooth) -o list_tickets
 *   ./list_tickets [CONFIG [SITE]]
 */
#include <stdio.h>
#include <booth.h>

static int fail(booth_handle *h, const char *what, booth_result r)
{
	char msg[256] = "";
	if (h)
		booth_last_message(h, msg, sizeof msg, NULL);
	fprintf(stderr, "list_tickets: %s: %s (%u)%s%s\n", what, booth_strerror(r),
		(unsigned)r, msg[0] ? ": " : "", msg);
	return 1;
}

int main(int argc, char **argv)
{
	const char *config = argc > 1 ? argv[1] : NULL;
	const char *site = argc > 2 ? argv[2] : NULL;
	char msg[256] = "";
	booth_handle *h = NULL;
	booth_ticket_list *list = NULL;
	booth_result r;
	size_t n, i;

	r = booth_open(config, msg, sizeof msg, &h);
	if (r != BOOTH_RESULT_OK) {
		fprintf(stderr, "list_tickets: open: %s (%u): %s\n", booth_strerror(r),
			(unsigned)r, msg);
		return 1;
	}
	r = booth_list(h, site, &list);
	if (r != BOOTH_RESULT_OK) {
		int rc = fail(h, "list", r);
		booth_close(&h);
		return rc;
	}
	booth_ticket_list_len(list, &n);
	for (i = 0; i < n; i++) {
		const booth_ticket *t = NULL;
		if (booth_ticket_list_get(list, i, &t) != BOOTH_RESULT_OK)
			break;
		printf("ticket: %s, leader: ", t->name);
		switch (t->leader_kind) {
		case BOOTH_LEADER_UNKNOWN:
			printf("NONE");
			break;
		case BOOTH_LEADER_NO_ONE:
			printf("none");
			break;
		default:
			printf("%s, expires: %s", t->leader, t->expires_text);
			if (t->flags & BOOTH_TICKET_COMMIT_PENDING)
				printf(" (commit pending until %s)", t->commit_pending_text);
		}
		if (t->flags & BOOTH_TICKET_MANUAL)
			printf(" [manual mode]");
		printf("\n");
		if (t->flags & BOOTH_TICKET_GRANTED_HERE)
			fprintf(stderr, "%s is granted here, expires at %lld\n", t->name,
				(long long)t->expires);
	}
	{
		/* One past the end is an error code, not a crash. */
		const booth_ticket *past = NULL;
		if (booth_ticket_list_get(list, n, &past) != BOOTH_RESULT_OUT_OF_RANGE ||
		    past != NULL) {
			fprintf(stderr, "list_tickets: index %zu was not out of range\n", n);
			return 3;
		}
	}
	booth_ticket_list_free(&list);
	booth_ticket_list_free(&list); /* harmless: the first call set it to NULL */
	booth_close(&h);
	return 0;
}
