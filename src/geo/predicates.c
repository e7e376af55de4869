/*
 * predicates.c
 *		Exact orientation test for the point-in-polygon decisions of locate.
 *
 * The determinant (a-c) x (b-c) is first evaluated in double precision with
 * the forward error bound of Shewchuk's orient2d filter; only when the result
 * is too close to zero to trust is it recomputed exactly, as a sum of 16
 * error-free terms (two_diff for the differences, an FMA-based two_product for
 * the products) accumulated into a non-overlapping expansion whose most
 * significant non-zero component carries the sign.  The technique is that of
 * J. R. Shewchuk, "Adaptive Precision Floating-Point Arithmetic and Fast Robust
 * Geometric Predicates" (1997); this is a simpler, non-adaptive exact stage.
 */
#include "postgres.h"

#include <math.h>

#include "predicates.h"

/* (3 + 16 eps) eps with eps = 2^-53: Shewchuk's ccwerrboundA. */
#define CCW_ERRBOUND_A	(3.3306690738754716e-16)

static inline void
two_sum(double a, double b, double *x, double *y)
{
	double		bv;
	double		av;

	*x = a + b;
	bv = *x - a;
	av = *x - bv;
	*y = (a - av) + (b - bv);
}

static inline void
two_diff(double a, double b, double *x, double *y)
{
	double		bv;
	double		av;

	*x = a - b;
	bv = a - *x;
	av = *x + bv;
	*y = (a - av) + (bv - b);
}

static inline void
two_product(double a, double b, double *x, double *y)
{
	*x = a * b;
	*y = fma(a, b, -*x);
}

/* Add b to the expansion e[0..n) (increasing magnitude) in place; returns n + 1. */
static int
grow_expansion(double *e, int n, double b)
{
	double		q = b;
	int			i;

	for (i = 0; i < n; i++)
	{
		double		sum;
		double		err;

		two_sum(q, e[i], &sum, &err);
		e[i] = err;
		q = sum;
	}
	e[n] = q;
	return n + 1;
}

static int
expansion_sign(const double *e, int n)
{
	int			i;

	for (i = n - 1; i >= 0; i--)
		if (e[i] != 0.0)
			return e[i] > 0.0 ? 1 : -1;
	return 0;
}

static int
orient2d_exact(double ax, double ay, double bx, double by, double cx, double cy)
{
	double		acx[2],
				bcy[2],
				acy[2],
				bcx[2];
	double		e[16];
	int			n = 0;
	int			i;
	int			j;

	two_diff(ax, cx, &acx[0], &acx[1]);
	two_diff(by, cy, &bcy[0], &bcy[1]);
	two_diff(ay, cy, &acy[0], &acy[1]);
	two_diff(bx, cx, &bcx[0], &bcx[1]);

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
		{
			double		hi;
			double		lo;

			two_product(acx[i], bcy[j], &hi, &lo);
			n = grow_expansion(e, n, hi);
			n = grow_expansion(e, n, lo);
			two_product(acy[i], bcx[j], &hi, &lo);
			n = grow_expansion(e, n, -hi);
			n = grow_expansion(e, n, -lo);
		}
	return expansion_sign(e, n);
}

int
orient2d_sign(double ax, double ay, double bx, double by, double cx, double cy)
{
	double		detleft = (ax - cx) * (by - cy);
	double		detright = (ay - cy) * (bx - cx);
	double		det = detleft - detright;
	double		detsum;

	if (detleft > 0.0)
	{
		if (detright <= 0.0)
			return det > 0.0 ? 1 : (det < 0.0 ? -1 : 0);
		detsum = detleft + detright;
	}
	else if (detleft < 0.0)
	{
		if (detright >= 0.0)
			return det > 0.0 ? 1 : (det < 0.0 ? -1 : 0);
		detsum = -detleft - detright;
	}
	else
		return orient2d_exact(ax, ay, bx, by, cx, cy);

	if (det >= CCW_ERRBOUND_A * detsum)
		return 1;
	if (-det >= CCW_ERRBOUND_A * detsum)
		return -1;
	return orient2d_exact(ax, ay, bx, by, cx, cy);
}
