/*
 * mask.c
 *		The masks of citizens' contact data: gridgov.mask_phone(),
 *		mask_name(), mask_address() and mask_numbers(); see mask.h.
 *
 * A digit is any character that writes one in a phone or ID number: ASCII
 * and full-width digits, the Chinese numerals (〇零一二三四五六七八九, and 幺,
 * the spoken 1), circled digits, mathematical digits and Arabic-Indic digits.
 * A masked character becomes an ASCII '*'; everything else is kept.  The
 * functions work on valid UTF-8 (the database encoding gridgov requires)
 * character by character.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "mask.h"

/* Length of the character at p, never past end. */
static int
char_len(const char *p, const char *end)
{
	int			n = pg_utf_mblen((const unsigned char *) p);

	return (n < 1 || n > end - p) ? 1 : n;
}

/* The code point of the character at p (of len bytes). */
static pg_wchar
code_point(const char *p, int len)
{
	return len == 1 ? (pg_wchar) (unsigned char) *p : utf8_to_unicode((const unsigned char *) p);
}

/*
 * The value of a Chinese numeral: 〇零一二三四五六七八九, 幺 (the spoken 1), 两
 * (2), and the 大写 forms 壹贰叁肆伍陆柒捌玖; -1 for any other character.
 */
static int
chinese_numeral_value(pg_wchar c)
{
	static const pg_wchar numerals[] = {
		0x3007, 0x96F6, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5E7A,
		0x4E24, 0x58F9, 0x8D30, 0x53C1, 0x8086, 0x4F0D, 0x9646, 0x67D2, 0x634C, 0x7396
	};
	static const int values[] = {0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	size_t		i;

	for (i = 0; i < lengthof(numerals); i++)
		if (c == numerals[i])
			return values[i];
	return -1;
}

static bool
is_chinese_numeral(pg_wchar c)
{
	return chinese_numeral_value(c) >= 0;
}

/* The superscript digits ⁰¹²³⁴-⁹: 0-9, or -1. */
static int
superscript_value(pg_wchar c)
{
	if (c == 0x2070)
		return 0;
	if (c == 0x00B9)
		return 1;
	if (c == 0x00B2 || c == 0x00B3)
		return (int) (c - 0x00B0);
	if (c >= 0x2074 && c <= 0x2079)
		return (int) (c - 0x2070);
	return -1;
}

/* The value of a digit of a block whose digits run from first (0 or 1) upwards. */
#define DIGIT_RUN(c, lo, hi, first) \
	if ((c) >= (lo) && (c) <= (hi)) \
		return (int) ((c) - (lo)) + (first)

/*
 * The value 0-9 of a character that writes a digit (see the head of this
 * file), -1 for any other character.
 */
static int
digit_value_cp(pg_wchar c)
{
	DIGIT_RUN(c, '0', '9', 0);
	DIGIT_RUN(c, 0xFF10, 0xFF19, 0);	/* full-width */
	DIGIT_RUN(c, 0x2460, 0x2468, 1);	/* circled 1-9 */
	DIGIT_RUN(c, 0x2474, 0x247C, 1);	/* parenthesized 1-9 */
	DIGIT_RUN(c, 0x2776, 0x277E, 1);	/* dingbat negative circled 1-9 */
	DIGIT_RUN(c, 0x0660, 0x0669, 0);	/* Arabic-Indic */
	DIGIT_RUN(c, 0x06F0, 0x06F9, 0);	/* extended Arabic-Indic */
	DIGIT_RUN(c, 0x0966, 0x096F, 0);	/* Devanagari */
	DIGIT_RUN(c, 0x0E50, 0x0E59, 0);	/* Thai */
	DIGIT_RUN(c, 0x2080, 0x2089, 0);	/* subscript */
	if (c == 0x24EA || c == 0x24FF)		/* circled 0, negative circled 0 */
		return 0;
	if (c >= 0x1D7CE && c <= 0x1D7FF)	/* mathematical: five styles of 0-9 */
		return (int) ((c - 0x1D7CE) % 10);
	if (superscript_value(c) >= 0)
		return superscript_value(c);
	return chinese_numeral_value(c);
}

static bool
is_digit_cp(pg_wchar c)
{
	return digit_value_cp(c) >= 0;
}

/* A separator inside a number: spaces, dashes, dots, slashes, brackets. */
static bool
is_number_separator(pg_wchar c)
{
	return c == ' ' || c == '-' || c == '.' || c == '/' || c == '_' || c == ',' || c == '(' ||
		c == ')' || c == '~' || c == 0x3001 || c == 0xFF5E || c == 0x3000 || c == 0x00B7 || c == 0x2012 || c == 0x2013 || c == 0x2014 ||
		c == 0x2015 || c == 0xFF0D || c == 0xFF0E || c == 0xFF08 || c == 0xFF09 || c == 0x30FC;
}

/* Length in bytes of the digit at p, or 0 when p is not a digit. */
static int
digit_len(const char *p, const char *end)
{
	int			n = char_len(p, end);

	return is_digit_cp(code_point(p, n)) ? n : 0;
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
 * 7 <= n < 11; below 7, every character but separators is starred (it is not
 * a number to recognise).  A trailing X of an ID number counts as a digit.
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
		bool		sep = !d && !x && is_number_separator(code_point(p, len));

		if ((d || x) ? (i >= head && i < n - tail) : (n < 7 && !sep))
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
	int			chars = 0;
	bool		first = true;

	for (p = s; p < end; p += char_len(p, end))
		chars += (*p != ' ') ? 1 : 0;
	initStringInfo(&buf);
	for (p = s; p < end; p += char_len(p, end))
	{
		int			n = char_len(p, end);

		if (*p == ' ')
			appendStringInfoChar(&buf, ' ');
		else if (first && chars > 1)
			appendBinaryStringInfo(&buf, p, n);
		else
			appendStringInfoChar(&buf, '*');
		first = first && *p == ' ';
	}
	return buf.data;
}

/* Whether the character at p marks a building, unit, floor or door number (号, 栋, 楼 ...). */
static bool
is_address_unit(const char *p, const char *end)
{
	static const pg_wchar units[] = {0x53F7, 0x680B, 0x5E62, 0x697C, 0x5355, 0x5C42, 0x5BA4, 0x95E8, 0x6237};
	pg_wchar	c;
	size_t		i;

	if (p >= end)
		return false;
	c = code_point(p, char_len(p, end));
	for (i = 0; i < lengthof(units); i++)
		if (c == units[i])
			return true;
	return false;
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
		const char *q = p;
		bool		chinese = true;

		/* A run of digits: starred when of digits proper, or of numerals before 号/楼/单元... */
		while (q < end && digit_len(q, end))
		{
			chinese = chinese && is_chinese_numeral(code_point(q, char_len(q, end)));
			q += char_len(q, end);
		}
		if (q == p)
		{
			appendBinaryStringInfo(&buf, p, char_len(p, end));
			p += char_len(p, end);
			continue;
		}
		if (!chinese || is_address_unit(q, end))
			for (; p < q; p += char_len(p, end))
				appendStringInfoChar(&buf, '*');
		else
			appendBinaryStringInfo(&buf, p, q - p);
		p = q;
	}
	return buf.data;
}

/*
 * The end of the number that starts at p: digits, with at most three
 * separators in a row between them; *x_digit tells whether an X after 17
 * digits (an ID number's check character) ends it.
 */
static const char *
number_end(const char *p, const char *end, bool *x_digit)
{
	const char *q = p;
	const char *last = p;		/* just after the last digit */
	int			n = 0;
	int			seps = 0;

	*x_digit = false;
	while (q < end && seps <= 3)
	{
		int			len = char_len(q, end);

		if (digit_len(q, end))
		{
			n++;
			seps = 0;
			last = q + len;
		}
		else if (is_number_separator(code_point(q, len)))
			seps++;
		else
			break;
		q += len;
	}
	if (n == 17 && last < end && (*last == 'X' || *last == 'x'))
	{
		*x_digit = true;
		last++;
	}
	return last;
}

static bool
is_email_local(char c)
{
	return isalnum((unsigned char) c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/*
 * Masks, in place in the NUL-terminated copy buf, the local part of every
 * e-mail address (local@domain.tld) but its first character.
 */
static void
mask_emails(char *buf)
{
	char	   *at;

	for (at = strchr(buf, '@'); at != NULL; at = strchr(at + 1, '@'))
	{
		char	   *l = at;
		char	   *d = at + 1;
		bool		dot = false;

		while (l > buf && is_email_local(l[-1]))
			l--;
		for (; isalnum((unsigned char) *d) || *d == '.' || *d == '-'; d++)
			dot = dot || *d == '.';
		if (l == at || !dot)
			continue;
		for (l++; l < at; l++)
			*l = '*';
	}
}

char *
mask_numbers(const char *s, int len)
{
	StringInfoData buf;
	char	   *copy = pnstrdup(s, len);
	const char *p = copy;
	const char *end;

	mask_emails(copy);
	end = copy + strlen(copy);
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
	pfree(copy);
	return buf.data;
}

char *
phone_digits(const char *s, int len)
{
	char	   *out = palloc(len + 1);
	const char *p = s;
	const char *end = s + len;
	int			n = 0;

	while (p < end)
	{
		int			l = char_len(p, end);
		int			v = digit_value_cp(code_point(p, l));

		if (v >= 0)
			out[n++] = (char) ('0' + v);
		p += l;
	}
	out[n] = '\0';
	return out;
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
