/*
 * geo_attr: `geostore` through libbooth, printing what geostore prints.
 *
 *   ./geo_attr CONFIG TICKET list
 *   ./geo_attr CONFIG TICKET get NAME
 *   ./geo_attr CONFIG TICKET set NAME VALUE
 *   ./geo_attr CONFIG TICKET delete NAME
 *
 * `get` starts with a deliberately small buffer and grows it on
 * BOOTH_RESULT_BUFFER_TOO_SMALL, the way callers of libbooth's string getters do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <booth.h>

static int report(booth_handle *h, const char *op, booth_result r)
{
	char msg[256] = "";
	booth_last_message(h, msg, sizeof msg, NULL);
	fprintf(stderr, "%s: %s (%u): %s\n", op, booth_strerror(r), (unsigned)r, msg);
	return (int)r;
}

int main(int argc, char **argv)
{
	char msg[256] = "";
	booth_handle *h = NULL;
	booth_result r;
	const char *ticket, *op;
	int rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CONFIG TICKET list|get|set|delete [NAME [VALUE]]\n",
			argv[0]);
		return 2;
	}
	ticket = argv[2];
	op = argv[3];
	r = booth_open(argv[1], msg, sizeof msg, &h);
	if (r != BOOTH_RESULT_OK) {
		fprintf(stderr, "open: %s (%u): %s\n", booth_strerror(r), (unsigned)r, msg);
		return (int)r;
	}
	if (strcmp(op, "list") == 0) {
		booth_attr_list *list = NULL;
		size_t n = 0, i;
		r = booth_geo_list(h, ticket, NULL, &list);
		if (r != BOOTH_RESULT_OK) {
			rc = report(h, op, r);
		} else {
			booth_attr_list_len(list, &n);
			for (i = 0; i < n; i++) {
				const booth_attr *a = NULL;
				booth_attr_list_get(list, i, &a);
				printf("%s %s %s\n", a->name, a->value, a->set_at_text);
			}
			booth_attr_list_free(&list);
		}
	} else if (strcmp(op, "get") == 0 && argc > 4) {
		size_t len = 4, need = 0;
		char *buf = malloc(len);
		r = booth_geo_get(h, ticket, NULL, argv[4], buf, len, &need);
		if (r == BOOTH_RESULT_BUFFER_TOO_SMALL) {
			free(buf);
			len = need;
			buf = malloc(len);
			r = booth_geo_get(h, ticket, NULL, argv[4], buf, len, &need);
		}
		if (r == BOOTH_RESULT_OK)
			printf("%s\n", buf);
		else
			rc = report(h, op, r);
		free(buf);
	} else if (strcmp(op, "set") == 0 && argc > 5) {
		r = booth_geo_set(h, ticket, NULL, argv[4], argv[5]);
		if (r == BOOTH_RESULT_OK)
			printf("set succeeded!\n");
		else
			rc = report(h, op, r);
	} else if (strcmp(op, "delete") == 0 && argc > 4) {
		r = booth_geo_delete(h, ticket, NULL, argv[4]);
		if (r != BOOTH_RESULT_OK)
			rc = report(h, op, r);
	} else {
		fprintf(stderr, "unknown operation %s\n", op);
		rc = 2;
	}
	booth_close(&h);
	return rc;
}
