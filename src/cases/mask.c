/*
 * mask.c
 *		The masks of citizens' contact data: gridgov.mask_phone(),
 *		mask_name(), mask_address() and mask_numbers(); see mask.h.
 *
 * A digit is an ASCII digit or a full-width one (U+FF10..U+FF19, as Chinese
 * input methods type them); a masked digit becomes an ASCII '*', everything
 * else is kept as it is.  The functions work on valid UTF-8 (the database
 * encoding gridgov requires) character by character.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "mask.h"

/* Length in bytes of the digit at p (1 or 3), or 0 when p is not a digit. */
static int
digit_len(const char *p, const char *end)
{
	if (*p >= '0' && *p <= '9')
		return 1;
	if (end - p >= 3 && (unsigned char) p[0] == 0xEF && (unsigned char) p[1] == 0xBC &&
		(unsigned char) p[2] >= 0x90 && (unsigned char) p[2] <= 0x99)
		return 3;
	return 0;
}

/* Length of the character at p, never past end. */
static int
char_len(const char *p, const char *end)
{
	int			n = pg_utf_mblen((const unsigned char *) p);

	return (n < 1 || n > end - p) ? 1 : n;
}

/* The number of digits in [p, end). */
static int
count_digits(const char *p, const char *end)
{
	int			n = 0;

	while (p < end)
	{
		int			d = digit_len(p, end);

		n += d ? 1 : 0;
		p += d ? d : char_len(p, end);
	}
	return n;
}

/*
 * Appends [p, end) to buf with its digits masked as a phone number's: of n
 * digits, the first 3 and the last 4 are kept when n >= 11, the last 4 when
 * 7 <= n < 11, none when n < 7.  A trailing X of an ID number counts as a digit.
 */
static void
append_masked_number(StringInfo buf, const char *p, const char *end, bool x_digit)
{
	int			n = count_digits(p, end) + (x_digit ? 1 : 0);
	int			head = n >= 11 ? 3 : 0;
	int			tail = n >= 7 ? 4 : 0;
	int			i = 0;

	while (p < end)
	{
		int			d = digit_len(p, end);
		int			len = d ? d : char_len(p, end);
		bool		x = x_digit && p + len == end;

		if ((d || x) && i >= head && i < n - tail)
			appendStringInfoChar(buf, '*');
		else
			appendBinaryStringInfo(buf, p, len);
		i += (d || x) ? 1 : 0;
		p += len;
	}
}

char *
mask_phone(const char *s, int len)
{
	StringInfoData buf;

	initStringInfo(&buf);
	append_masked_number(&buf, s, s + len, false);
	return buf.data;
}

char *
mask_name(const char *s, int len)
{
	StringInfoData buf;
	const char *p = s;
	const char *end = s + len;
	bool		first = true;

	initStringInfo(&buf);
	while (p < end)
	{
		int			n = char_len(p, end);

		if (*p == ' ')
			appendStringInfoChar(&buf, ' ');
		else if (first && len > n)
			appendBinaryStringInfo(&buf, p, n);
		else
			appendStringInfoChar(&buf, '*');
		first = first && *p == ' ';
		p += n;
	}
	return buf.data;
}

char *
mask_address(const char *s, int len)
{
	StringInfoData buf;
	const char *p = s;
	const char *end = s + len;

	initStringInfo(&buf);
	while (p < end)
	{
		int			d = digit_len(p, end);
		int			n = d ? d : char_len(p, end);

		if (d)
			appendStringInfoChar(&buf, '*');
		else
			appendBinaryStringInfo(&buf, p, n);
		p += n;
	}
	return buf.data;
}

/*
 * The end of the number that starts at p: digits, with single spaces or
 * dashes between them; *x_digit tells whether an X after 17 digits (an ID
 * number's check character) ends it.
 */
static const char *
number_end(const char *p, const char *end, bool *x_digit)
{
	const char *q = p;
	int			n = 0;

	*x_digit = false;
	for (;;)
	{
		int			d = digit_len(q, end);

		if (d)
		{
			q += d;
			n++;
			continue;
		}
		if (q + 1 < end && (*q == ' ' || *q == '-') && digit_len(q + 1, end))
		{
			q++;
			continue;
		}
		break;
	}
	if (n == 17 && q < end && (*q == 'X' || *q == 'x'))
	{
		*x_digit = true;
		q++;
	}
	return q;
}

char *
mask_numbers(const char *s, int len)
{
	StringInfoData buf;
	const char *p = s;
	const char *end = s + len;

	initStringInfo(&buf);
	while (p < end)
	{
		bool		x_digit;
		const char *q;

		if (!digit_len(p, end))
		{
			int			n = char_len(p, end);

			appendBinaryStringInfo(&buf, p, n);
			p += n;
			continue;
		}
		q = number_end(p, end, &x_digit);
		if (count_digits(p, q) + (x_digit ? 1 : 0) >= 7)
			append_masked_number(&buf, p, q, x_digit);
		else
			appendBinaryStringInfo(&buf, p, q - p);
		p = q;
	}
	return buf.data;
}

/* SQL ------------------------------------------------------------------------ */

typedef char *(*MaskFn) (const char *, int);

static Datum
mask_text_arg(FunctionCallInfo fcinfo, MaskFn fn)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	return CStringGetTextDatum(fn(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

PG_FUNCTION_INFO_V1(gridgov_mask_phone);
Datum
gridgov_mask_phone(PG_FUNCTION_ARGS)
{
	return mask_text_arg(fcinfo, mask_phone);
}

PG_FUNCTION_INFO_V1(gridgov_mask_name);
Datum
gridgov_mask_name(PG_FUNCTION_ARGS)
{
	return mask_text_arg(fcinfo, mask_name);
}

PG_FUNCTION_INFO_V1(gridgov_mask_address);
Datum
gridgov_mask_address(PG_FUNCTION_ARGS)
{
	return mask_text_arg(fcinfo, mask_address);
}

PG_FUNCTION_INFO_V1(gridgov_mask_numbers);
Datum
gridgov_mask_numbers(PG_FUNCTION_ARGS)
{
	return mask_text_arg(fcinfo, mask_numbers);
}
