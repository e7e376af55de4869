/*
 * textfeatures.c
 *		Hashed character and word n-grams of a text; see textfeatures.h.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "textfeatures.h"

typedef struct TfState
{
	int			bits;
	TfEmit		emit;
	void	   *arg;
	char		han[8];			/* the previous Han character, if the last read */
	int			hanlen;
	char		word[TF_MAX_WORD + 1];	/* the word being read */
	int			wordlen;
	char		prev[TF_MAX_WORD + 1];	/* the previous word, when only white space follows it */
	int			prevlen;
} TfState;

uint32
tf_bucket(const char *token, int len, int bits)
{
	uint32		h = 2166136261u;
	int			i;

	for (i = 0; i < len; i++)
	{
		h ^= (unsigned char) token[i];
		h *= 16777619u;
	}
	/* xor-fold the high bits in: FNV's low bits alone mix poorly */
	return (h ^ (h >> bits)) & ((1u << bits) - 1);
}

static void
emit_token(TfState *st, const char *a, int alen, const char *b, int blen, bool space)
{
	char		buf[2 * TF_MAX_WORD + 2];
	int			len = 0;

	memcpy(buf, a, alen);
	len = alen;
	if (space)
		buf[len++] = ' ';
	if (blen > 0)
		memcpy(buf + len, b, blen);
	len += blen;
	buf[len] = '\0';
	st->emit(tf_bucket(buf, len, st->bits), buf, st->arg);
}

/* Ends the word being read: the word, and the pair with the previous one. */
static void
end_word(TfState *st)
{
	if (st->wordlen == 0)
		return;
	emit_token(st, st->word, st->wordlen, NULL, 0, false);
	if (st->prevlen > 0)
		emit_token(st, st->prev, st->prevlen, st->word, st->wordlen, true);
	memcpy(st->prev, st->word, st->wordlen);
	st->prevlen = st->wordlen;
	st->wordlen = 0;
}

static bool
is_han(pg_wchar c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
		(c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FA1F);
}

/*
 * The ASCII a word character folds to (lower-case, half-width), 1 for a
 * letter kept as it is (Latin-1 and Latin Extended), 0 for a separator.
 */
static int
word_char(pg_wchar c)
{
	if (c >= 0xFF10 && c <= 0xFF19)
		return '0' + (int) (c - 0xFF10);
	if (c >= 0xFF21 && c <= 0xFF3A)
		return 'a' + (int) (c - 0xFF21);
	if (c >= 0xFF41 && c <= 0xFF5A)
		return 'a' + (int) (c - 0xFF41);
	if (c < 0x80)
	{
		if (c >= 'A' && c <= 'Z')
			return (int) (c - 'A' + 'a');
		return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? (int) c : 0;
	}
	if (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7)
		return 1;
	return 0;
}

static void
read_han(TfState *st, const char *p, int n)
{
	end_word(st);
	st->prevlen = 0;
	emit_token(st, p, n, NULL, 0, false);
	if (st->hanlen > 0)
		emit_token(st, st->han, st->hanlen, p, n, false);
	memcpy(st->han, p, n);
	st->hanlen = n;
}

static void
read_word_char(TfState *st, int folded, const char *p, int n)
{
	st->hanlen = 0;
	if (folded > 1)
		n = 1;
	if (st->wordlen + n > TF_MAX_WORD)
		end_word(st);
	if (folded > 1)
		st->word[st->wordlen++] = (char) folded;
	else
	{
		memcpy(st->word + st->wordlen, p, n);
		st->wordlen += n;
	}
}

void
tf_features(const char *text, int len, int bits, TfEmit emit, void *arg)
{
	TfState		st;
	int			pos = 0;

	memset(&st, 0, sizeof(st));
	st.bits = bits;
	st.emit = emit;
	st.arg = arg;
	if (text == NULL)
		return;
	len = Min(len, TF_MAX_BYTES);
	while (pos < len)
	{
		const unsigned char *p = (const unsigned char *) text + pos;
		int			n = pg_utf_mblen(p);
		pg_wchar	c;
		int			folded;

		if (n < 1 || pos + n > len || !pg_utf8_islegal(p, n))
			break;				/* a cut or invalid sequence ends the text */
		c = utf8_to_unicode(p);
		folded = word_char(c);
		if (is_han(c))
			read_han(&st, (const char *) p, n);
		else if (folded)
			read_word_char(&st, folded, (const char *) p, n);
		else
		{
			end_word(&st);
			st.hanlen = 0;
			if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000))
				st.prevlen = 0;
		}
		pos += n;
	}
	end_word(&st);
}
