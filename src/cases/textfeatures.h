/*
 * textfeatures.h
 *		Features of a complaint's text without a word segmenter.
 *
 * The text (UTF-8) is read as code points.  Han characters (CJK unified
 * ideographs and their extensions) give one feature per character and one
 * per pair of adjacent characters; runs of letters and digits (ASCII, Latin-1
 * letters and full-width forms, folded to lower-case half-width ASCII where
 * they have one) are words, giving one feature per word and one per pair of
 * adjacent words.  Everything else (punctuation, white space, symbols) only
 * separates: a pair never spans it.  Each feature is hashed with 32-bit
 * FNV-1a of its UTF-8 text (a word pair as "w1 w2") into one of 2^bits
 * buckets.
 */
#ifndef GRIDGOV_TEXTFEATURES_H
#define GRIDGOV_TEXTFEATURES_H

#include "postgres.h"

/* Longest text read, in bytes: the rest of a longer text is not read. */
#define TF_MAX_BYTES		(400 * 1024)
/* Longest word kept (bytes); a longer run is cut into words of this size. */
#define TF_MAX_WORD			64
#define TF_MIN_BITS			10
#define TF_MAX_BITS			24

/* Called for each feature: its bucket and its text (NUL-terminated, transient). */
typedef void (*TfEmit) (uint32 bucket, const char *token, void *arg);

/* Calls emit for each feature of text[0..len) hashed into 2^bits buckets. */
extern void tf_features(const char *text, int len, int bits, TfEmit emit, void *arg);

/* The bucket of a feature's text. */
extern uint32 tf_bucket(const char *token, int len, int bits);

#endif							/* GRIDGOV_TEXTFEATURES_H */
