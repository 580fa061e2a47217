/* src/lib/util/error.c and the CNI error JSON (cni/error.c): a recorded
 * message stays valid UTF-8 whatever bytes it quotes and wherever it is
 * cut, so the error a runtime prints still names the field that was wrong
 * (regression: one byte 0xff from CNI_ARGS used to replace the whole
 * message with "(message not valid UTF-8)"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cni/error.h"
#include "util/error.h"

static bool valid_utf8(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

static void sanitized_is(const char *in, bool cut, size_t size, const char *want)
{
	char out[64];

	assert_true(size <= sizeof(out));
	pt_utf8_sanitize(out, size, in, cut);
	assert_string_equal(out, want);
	assert_true(valid_utf8(out));
}

static void test_sanitize(void **state)
{
	(void)state;
	sanitized_is("plain", false, 64, "plain");
	sanitized_is("caf\xc3\xa9", false, 64, "caf\xc3\xa9");
	sanitized_is("FOO=\xff", false, 64, "FOO=\\xff");
	sanitized_is("c\xe9", false, 64, "c\\xe9");
	/* Overlong, surrogate, above U+10FFFF, lone continuation. */
	sanitized_is("\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\x80", false, 64,
		     "\\xc0\\xaf|\\xed\\xa0\\x80|\\xf4\\x90\\x80\\x80|\\x80");
	sanitized_is("\xf0\x9f\x98\x80", false, 64, "\xf0\x9f\x98\x80");
	/* A character the cut went through is dropped, not escaped... */
	sanitized_is("ab\xe2\x82", true, 64, "ab~");
	/* ...but the same bytes in a whole message are invalid ones. */
	sanitized_is("ab\xe2\x82", false, 64, "ab\\xe2\\x82");
	/* Too long for dst: ends on a character boundary, with '~'. */
	sanitized_is("ab\xc3\xa9\xc3\xa9", false, 6, "ab\xc3\xa9~");
	sanitized_is("ab\xc3\xa9\xc3\xa9", false, 5, "ab~");
	sanitized_is("abcdef", false, 4, "ab~");
}

static void test_recorded_message_keeps_field(void **state)
{
	(void)state;
	pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV, "CNI_ARGS: FOO: unknown key \"%s\"", "\xff");
	assert_string_equal(pt_err_msg(), "CNI_ARGS: FOO: unknown key \"\\xff\"");
	pt_err_wrap(-EINVAL, "CNI_CONTAINERID \"%s\"", "c\xe9");
	assert_string_equal(pt_err_msg(),
			    "CNI_CONTAINERID \"c\\xe9\": CNI_ARGS: FOO: unknown key \"\\xff\"");
	pt_err_clear();
}

/* A message longer than the record, made of two-byte characters: cut on a
 * character boundary, never in the middle of one. */
static void test_long_message_cut_on_boundary(void **state)
{
	char big[5000];
	size_t n;

	(void)state;
	for (size_t i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[4998] = '\0';
	pt_err(-EINVAL, "x%s", big);
	n = strlen(pt_err_msg());
	assert_true(valid_utf8(pt_err_msg()));
	assert_int_equal(pt_err_msg()[n - 1], '~');
	pt_err(-EINVAL, "%s", "short");
	pt_err_wrap(-EINVAL, "%s", big);
	assert_true(valid_utf8(pt_err_msg()));
	pt_err_clear();
}

static void test_error_json(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	json_t *j, *msg;

	(void)state;
	assert_non_null(fp);
	pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV, "CNI_ARGS: invalid pair \"FOO=\xff\"");
	cni_error_print(fp, "1.0.0", -EINVAL);
	fclose(fp);
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	msg = json_object_get(j, "msg");
	assert_string_equal(json_string_value(msg), "CNI_ARGS: invalid pair \"FOO=\\xff\"");
	assert_int_equal(json_integer_value(json_object_get(j, "code")), CNI_ERR_INVALID_ENV);
	json_decref(j);
	free(buf);
	pt_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_recorded_message_keeps_field),
		cmocka_unit_test(test_long_message_cut_on_boundary),
		cmocka_unit_test(test_error_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
