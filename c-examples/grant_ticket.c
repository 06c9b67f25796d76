/*
 * grant_ticket: `booth grant` / `booth revoke` through libbooth.
 *
 *   ./grant_ticket CONFIG grant|revoke TICKET [SITE|-] [wait]
 *
 * Prints `<op>: <outcome>` on success and exits 0; on failure prints the result code,
 * its booth_strerror text and the message `booth` would have printed, and exits with
 * the code (so a test can tell the causes apart).
 */
#include <stdio.h>
#include <string.h>
#include <booth.h>

static const char *outcome_name(uint32_t o)
{
	switch (o) {
	case BOOTH_OUTCOME_DONE: return "done";
	case BOOTH_OUTCOME_ASYNC: return "async";
	case BOOTH_OUTCOME_COMMIT_PENDING: return "commit pending";
	case BOOTH_OUTCOME_NOT_OWNED: return "not owned";
	case BOOTH_OUTCOME_IN_PROGRESS: return "in progress";
	default: return "?";
	}
}

int main(int argc, char **argv)
{
	char msg[256] = "";
	booth_handle *h = NULL;
	booth_result r;
	uint32_t outcome = 0;
	const char *site;
	uint32_t flags;
	int grant;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CONFIG grant|revoke TICKET [SITE|-] [wait]\n", argv[0]);
		return 2;
	}
	grant = strcmp(argv[2], "grant") == 0;
	site = argc > 4 && strcmp(argv[4], "-") != 0 ? argv[4] : NULL;
	flags = argc > 5 && strcmp(argv[5], "wait") == 0 ? BOOTH_GRANT_WAIT : 0;

	r = booth_open(argv[1], msg, sizeof msg, &h);
	if (r != BOOTH_RESULT_OK) {
		fprintf(stderr, "open: %s (%u): %s\n", booth_strerror(r), (unsigned)r, msg);
		return (int)r;
	}
	if (grant)
		r = booth_grant(h, argv[3], site, flags, 30000, &outcome);
	else
		r = booth_revoke(h, argv[3], site, flags, 30000, &outcome);
	if (r != BOOTH_RESULT_OK) {
		booth_last_message(h, msg, sizeof msg, NULL);
		fprintf(stderr, "%s: %s (%u): %s\n", argv[2], booth_strerror(r), (unsigned)r, msg);
		booth_close(&h);
		return (int)r;
	}
	printf("%s: %s\n", argv[2], outcome_name(outcome));
	booth_close(&h);
	return 0;
}
