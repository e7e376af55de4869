/*
 * mask.h
 *		Masks of citizens' contact data (docs/security.md, Citizens' contact
 *		data).  Each takes a UTF-8 string of len bytes and returns a palloc'd,
 *		NUL-terminated masked copy.
 */
#ifndef GRIDGOV_MASK_H
#define GRIDGOV_MASK_H

/* A phone number: of n digits, the first 3 and last 4 kept when n >= 11, the last 4 when n >= 7. */
extern char *mask_phone(const char *s, int len);

/* A name: its first character kept, the others starred (one character: starred). */
extern char *mask_name(const char *s, int len);

/* An address: every digit starred. */
extern char *mask_address(const char *s, int len);

/* Free text: each run of 7 or more digits (with single spaces or dashes) masked as a phone. */
extern char *mask_numbers(const char *s, int len);

/*
 * The digits of a phone number in ASCII, in their order: every character that
 * writes a digit (as the masks recognise them: full-width, Chinese numerals,
 * circled ...) becomes its value 0-9, everything else is dropped.
 */
extern char *phone_digits(const char *s, int len);

#endif							/* GRIDGOV_MASK_H */
