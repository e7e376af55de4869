/*
 * forecast.c
 *		The arithmetic of the volume forecasts (src/sql/088_forecast.sql,
 *		docs/bi.md "Forecasts"): a Poisson regression of counts on
 *		regressors (log link), fitted by iteratively reweighted least squares
 *		with the normal equations solved by Cholesky; the negative-binomial
 *		over-dispersion of its residuals; predictions; and the quantiles of
 *		the negative binomial distribution the intervals are read from.
 *
 * The design matrix comes from SQL as a two-dimensional float8 array, one row
 * per period, so that SQL builds the regressors (calendars, holidays) and C
 * does the O(n p^2) work.  Every function validates its arrays (no NULL
 * element 22004, shapes and values 22023) and never keeps state.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "forecast.h"

PG_FUNCTION_INFO_V1(gridgov_glm_poisson_fit);
PG_FUNCTION_INFO_V1(gridgov_glm_predict);
PG_FUNCTION_INFO_V1(gridgov_glm_predict_variance);
PG_FUNCTION_INFO_V1(gridgov_nb_quantile);
PG_FUNCTION_INFO_V1(gridgov_nb_score);
PG_FUNCTION_INFO_V1(gridgov_nb_interval);

#define GLM_MAX_COLUMNS		64
#define GLM_MAX_ROWS		100000
#define GLM_MAX_ITER		60
#define GLM_TOLERANCE		1e-9
#define GLM_ETA_LIMIT		30.0

/* A float8 array's values, checked: no NULL, all finite. */
double *
glm_float8_values(ArrayType *a, const char *what, int *count)
{
	int			n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	double	   *v;

	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("%s must be a double precision array", what)));
	if (ARR_HASNULL(a))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("%s must not contain NULL", what)));
	v = (double *) ARR_DATA_PTR(a);
	for (int i = 0; i < n; i++)
		if (!isfinite(v[i]))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("%s must contain finite numbers only", what)));
	*count = n;
	return v;
}

/* The design matrix: a 2-D array of rows x columns, at most 64 columns. */
double *
glm_design_matrix(ArrayType *a, int *rows, int *cols)
{
	int			n;
	double	   *x;

	if (ARR_NDIM(a) != 2)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the design matrix must be a two-dimensional array (one row per period)")));
	x = glm_float8_values(a, "the design matrix", &n);
	*rows = ARR_DIMS(a)[0];
	*cols = ARR_DIMS(a)[1];
	if (*cols < 1 || *cols > GLM_MAX_COLUMNS || *rows > GLM_MAX_ROWS)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the design matrix must have 1 to %d columns and at most %d rows, not %d x %d",
							   GLM_MAX_COLUMNS, GLM_MAX_ROWS, *rows, *cols)));
	return x;
}

/* In-place Cholesky factor (lower triangle) of the p x p matrix a; false when not positive definite. */
static bool
cholesky(double *a, int p)
{
	for (int j = 0; j < p; j++)
	{
		double		d = a[j * p + j];

		for (int k = 0; k < j; k++)
			d -= a[j * p + k] * a[j * p + k];
		if (!(d > 0))
			return false;
		d = sqrt(d);
		a[j * p + j] = d;
		for (int i = j + 1; i < p; i++)
		{
			double		s = a[i * p + j];

			for (int k = 0; k < j; k++)
				s -= a[i * p + k] * a[j * p + k];
			a[i * p + j] = s / d;
		}
	}
	return true;
}

/* Solves L L' b = r for b (r overwritten), L from cholesky(). */
void
glm_cholesky_solve(const double *l, double *r, int p)
{
	for (int i = 0; i < p; i++)
	{
		for (int k = 0; k < i; k++)
			r[i] -= l[i * p + k] * r[k];
		r[i] /= l[i * p + i];
	}
	for (int i = p - 1; i >= 0; i--)
	{
		for (int k = i + 1; k < p; k++)
			r[i] -= l[k * p + i] * r[k];
		r[i] /= l[i * p + i];
	}
}

/*
 * The normal matrix X'WX + ridge I' (I' the identity without the
 * intercept's, column 0), factored in place by Cholesky: ridge is the
 * precision of a normal prior centred on 0 for every coefficient but the
 * intercept, which holds a regressor seen a few times (one Spring Festival)
 * near 0 and one absent from the history at 0.
 */
double *
glm_normal_factor(const double *x, const double *w, int n, int p, double ridge)
{
	double	   *a = palloc0(sizeof(double) * p * p);

	for (int i = 0; i < n; i++)
	{
		const double *xi = x + (size_t) i * p;

		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < p; j++)
		{
			double		wx = w[i] * xi[j];

			for (int k = 0; k <= j; k++)
				a[j * p + k] += wx * xi[k];
		}
	}
	for (int j = 1; j < p; j++)
		a[j * p + j] += ridge + 1e-9 * (a[0] + 1.0);
	if (!cholesky(a, p))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the regressors are collinear: the normal equations have no unique solution")));
	return a;
}

/* One weighted least-squares step: b = (X'WX + ridge I')^-1 X'Wz. */
void
glm_wls_step(const double *x, const double *w, const double *z, int n, int p, double ridge, double *b)
{
	double	   *l = glm_normal_factor(x, w, n, p, ridge);

	memset(b, 0, sizeof(double) * p);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < p; j++)
			b[j] += w[i] * x[(size_t) i * p + j] * z[i];
	glm_cholesky_solve(l, b, p);
	pfree(l);
}

/*
 * Covariance of the coefficients (p x p): the inverse of the normal matrix
 * with the negative binomial's weights mu / (1 + a mu) at the fit.
 */
static double *
coefficient_covariance(const double *x, const double *mu, int n, int p, double ridge, double a)
{
	double	   *w = palloc(sizeof(double) * n);
	double	   *cov;

	for (int i = 0; i < n; i++)
		w[i] = mu[i] / (1.0 + a * mu[i]);
	cov = glm_inverse_normal(x, w, n, p, ridge);
	pfree(w);
	return cov;
}

/* The inverse of the normal matrix X'WX + ridge I' (p x p), given the weights w. */
double *
glm_inverse_normal(const double *x, const double *w, int n, int p, double ridge)
{
	double	   *l = glm_normal_factor(x, w, n, p, ridge);
	double	   *cov = palloc(sizeof(double) * p * p);
	double	   *e = palloc(sizeof(double) * p);

	for (int j = 0; j < p; j++)
	{
		memset(e, 0, sizeof(double) * p);
		e[j] = 1.0;
		glm_cholesky_solve(l, e, p);
		for (int k = 0; k < p; k++)
			cov[k * p + j] = e[k];
	}
	pfree(l);
	pfree(e);
	return cov;
}

/* eta = X b per row, held within +-limit. */
void
glm_linear_predictor(const double *x, const double *b, int n, int p, double limit, double *eta)
{
	for (int i = 0; i < n; i++)
	{
		double		e = 0;

		for (int j = 0; j < p; j++)
			e += x[(size_t) i * p + j] * b[j];
		eta[i] = Max(-limit, Min(limit, e));
	}
}

/* mu = exp(X b), the linear predictor held within +-30. */
static void
linear_predict(const double *x, const double *b, int n, int p, double *mu)
{
	glm_linear_predictor(x, b, n, p, GLM_ETA_LIMIT, mu);
	for (int i = 0; i < n; i++)
		mu[i] = exp(mu[i]);
}

/* Poisson deviance of y given mu (no trials: m is not read). */
static double
poisson_deviance(const double *y, const double *m, const double *mu, int n)
{
	double		d = 0;

	(void) m;
	for (int i = 0; i < n; i++)
		d += 2.0 * ((y[i] > 0 ? y[i] * log(y[i] / mu[i]) : 0) - (y[i] - mu[i]));
	return d;
}

/* The Poisson log-linear model's working weight and response at mu. */
static void
poisson_working(double y, double m, double mu, double *w, double *z)
{
	(void) m;
	*w = mu;
	*z = log(mu) + (y - mu) / mu;
}

static const GlmFamily poisson_family = {poisson_working, linear_predict, poisson_deviance};

/*
 * Iteratively reweighted least squares for a family from the means mu the
 * caller set; returns the number of iterations, b and mu set.  m holds the
 * trials of a binomial (NULL for counts).
 */
int
glm_irls(const GlmFamily *family, const double *y, const double *m, const double *x, int n, int p,
		 double ridge, double *b, double *mu)
{
	double	   *w = palloc(sizeof(double) * n);
	double	   *z = palloc(sizeof(double) * n);
	double		dev = INFINITY;
	int			iter;

	for (iter = 1; iter <= GLM_MAX_ITER; iter++)
	{
		double		next;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
			family->working(y[i], m ? m[i] : 0, mu[i], &w[i], &z[i]);
		glm_wls_step(x, w, z, n, p, ridge, b);
		family->predict(x, b, n, p, mu);
		next = family->deviance(y, m, mu, n);
		if (fabs(dev - next) <= GLM_TOLERANCE * (fabs(next) + 0.1))
			break;
		dev = next;
	}
	pfree(w);
	pfree(z);
	return Min(iter, GLM_MAX_ITER);
}

/*
 * Over-dispersion a of a negative binomial NB2 (variance mu + a mu^2) by
 * the moment regression of (y - mu)^2 - y on mu^2 (Cameron and Trivedi),
 * the squared residuals scaled by n / (n - p) for the fitted coefficients.
 */
static double
nb_dispersion(const double *y, const double *mu, int n, int p)
{
	double		num = 0;
	double		den = 0;
	double		scale = n > p ? (double) n / (n - p) : 1.0;

	for (int i = 0; i < n; i++)
	{
		double		r = y[i] - mu[i];

		num += r * r * scale - y[i];
		den += mu[i] * mu[i];
	}
	return den > 0 ? Max(0.0, num / den) : 0.0;
}

ArrayType *
glm_float8_array(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* A p x p matrix as a two-dimensional float8 array. */
ArrayType *
glm_float8_matrix(const double *v, int p)
{
	Datum	   *d = palloc(sizeof(Datum) * p * p);
	int			dims[2] = {p, p};
	int			lbs[2] = {1, 1};

	for (int i = 0; i < p * p; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_md_array(d, NULL, 2, dims, lbs, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * gridgov.glm_poisson_fit(y float8[], x float8[][], ridge float8)
 *	 -> (coefficients float8[], dispersion float8, deviance float8, iterations integer,
 *		 covariance float8[][])
 */
Datum
gridgov_glm_poisson_fit(PG_FUNCTION_ARGS)
{
	int			n, p, ny;
	double	   *y, *x, *b, *mu, dispersion, ridge = PG_GETARG_FLOAT8(2);
	int			iter;
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	y = glm_float8_values(PG_GETARG_ARRAYTYPE_P(0), "the counts", &ny);
	x = glm_design_matrix(PG_GETARG_ARRAYTYPE_P(1), &n, &p);
	if (ny != n || n <= p)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%d counts for a design matrix of %d rows x %d columns: one count per row and more rows than columns needed",
							   ny, n, p)));
	for (int i = 0; i < n; i++)
		if (y[i] < 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("the counts must not be negative")));
	if (!(ridge >= 0 && ridge <= 1e6))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("ridge must lie in [0, 1000000], not %g", ridge)));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("glm_poisson_fit must be called where a record is expected")));
	b = palloc(sizeof(double) * p);
	mu = palloc(sizeof(double) * n);
	for (int i = 0; i < n; i++)
		mu[i] = y[i] + 0.5;
	iter = glm_irls(&poisson_family, y, NULL, x, n, p, ridge, b, mu);
	dispersion = nb_dispersion(y, mu, n, p);
	values[0] = PointerGetDatum(glm_float8_array(b, p));
	values[1] = Float8GetDatum(dispersion);
	values[2] = Float8GetDatum(poisson_deviance(y, NULL, mu, n));
	values[3] = Int32GetDatum(iter);
	values[4] = PointerGetDatum(glm_float8_matrix(coefficient_covariance(x, mu, n, p, ridge, dispersion), p));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/* gridgov.glm_predict(coefficients float8[], x float8[][]) -> float8[]: exp(x b) per row */
Datum
gridgov_glm_predict(PG_FUNCTION_ARGS)
{
	int			n, p, nb;
	double	   *b = glm_float8_values(PG_GETARG_ARRAYTYPE_P(0), "the coefficients", &nb);
	double	   *x = glm_design_matrix(PG_GETARG_ARRAYTYPE_P(1), &n, &p);
	double	   *mu;

	if (nb != p)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%d coefficients for a design matrix of %d columns", nb, p)));
	mu = palloc(sizeof(double) * Max(n, 1));
	linear_predict(x, b, n, p, mu);
	PG_RETURN_ARRAYTYPE_P(glm_float8_array(mu, n));
}

/*
 * gridgov.glm_predict_variance(covariance float8[][], x float8[][]) -> float8[]:
 * x' C x per row, the variance of the linear predictor (the log of the
 * expected count) that the coefficients' uncertainty gives.
 */
Datum
gridgov_glm_predict_variance(PG_FUNCTION_ARGS)
{
	int			n, p, pc, qc;
	double	   *c = glm_design_matrix(PG_GETARG_ARRAYTYPE_P(0), &pc, &qc);
	double	   *x = glm_design_matrix(PG_GETARG_ARRAYTYPE_P(1), &n, &p);
	double	   *v;

	if (pc != p || qc != p)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("a covariance of %d x %d for a design matrix of %d columns", pc, qc, p)));
	v = palloc0(sizeof(double) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		const double *xi = x + (size_t) i * p;

		for (int j = 0; j < p; j++)
			for (int k = 0; k < p; k++)
				v[i] += xi[j] * c[j * p + k] * xi[k];
		v[i] = Max(v[i], 0.0);
	}
	PG_RETURN_ARRAYTYPE_P(glm_float8_array(v, n));
}

/* log P(Y = y) of NB2(mu, a), Poisson when a = 0. */
static double
nb_log_pmf(double y, double mu, double a)
{
	double		k;

	if (a <= 1e-12)
		return y * log(mu) - mu - lgamma(y + 1.0);
	k = 1.0 / a;
	return lgamma(y + k) - lgamma(k) - lgamma(y + 1.0) + k * log(k / (k + mu)) + y * log(mu / (k + mu));
}

/* Checks the parameters of a negative binomial. */
static void
nb_check(double mu, double a)
{
	if (!(mu >= 0 && mu <= 1e7) || !(a >= 0 && a <= 10))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the mean must lie in [0, 1e7] and the dispersion in [0, 10], not %g and %g", mu, a)));
}

/* The first count worth summing: 12 standard deviations below the mean (less than 1e-30 of the mass lies below). */
static double
nb_start(double mu, double a)
{
	return Max(0.0, floor(mu - 12.0 * sqrt(mu + a * mu * mu)));
}

/*
 * A count past which the mass left is negligible (below 1e-30): 40 standard
 * deviations above the mean.  A sum of the probabilities that rounding keeps
 * just below p (or 1 - t) stops there instead of running on to INT32_MAX.
 */
static double
nb_end(double mu, double a)
{
	return Min((double) PG_INT32_MAX, ceil(mu + 40.0 * sqrt(mu + a * mu * mu) + 50.0));
}

/*
 * The quantile p > 1/2 from the upper tail, summed downward from where the
 * mass left is negligible: the first y from the top with P(Y >= y) > 1 - p
 * (then P(Y <= y) >= p and P(Y <= y - 1) < p).  A sum of the lower tail
 * that rounding keeps just below a p near 1 would miss it.
 */
static int32
nb_upper_quantile(double mu, double a, double p)
{
	double		tail = 0;
	double		y;

	for (y = nb_end(mu, a); y > 0; y -= 1.0)
	{
		tail += exp(nb_log_pmf(y, mu, a));
		if (tail > 1.0 - p)
			break;
		if (fmod(y, 65536.0) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return (int32) y;
}

/*
 * gridgov.nb_quantile(mu float8, dispersion float8, p float8) -> integer:
 * the smallest y with P(Y <= y) >= p for Y ~ NB2(mu, dispersion).
 */
Datum
gridgov_nb_quantile(PG_FUNCTION_ARGS)
{
	double		mu = PG_GETARG_FLOAT8(0);
	double		a = PG_GETARG_FLOAT8(1);
	double		p = PG_GETARG_FLOAT8(2);
	double		y, cdf = 0;

	nb_check(mu, a);
	if (!(p > 0 && p < 1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the probability must lie strictly between 0 and 1, not %g", p)));
	if (mu == 0)
		PG_RETURN_INT32(0);
	if (p > 0.5)
		PG_RETURN_INT32(nb_upper_quantile(mu, a, p));
	for (y = nb_start(mu, a);; y += 1.0)
	{
		cdf += exp(nb_log_pmf(y, mu, a));
		if (cdf >= p || y >= nb_end(mu, a))
			break;
		if (fmod(y, 65536.0) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_INT32((int32) y);
}

/*
 * -log10 P(Y >= x) for x above the mean, summed upward from x relative to
 * its own term (the terms fall from there on), until they no longer count:
 * accurate where 1 - P(Y < x) would have lost every digit.
 */
static double
nb_upper_score(int32 x, double mu, double a)
{
	double		lp0 = nb_log_pmf(x, mu, a);
	double		sum = 0;
	double		end = nb_end(mu, a);

	for (double y = x;; y += 1.0)
	{
		double		term = exp(nb_log_pmf(y, mu, a) - lp0);

		sum += term;
		if (term < 1e-17 * sum || y >= Max(end, (double) x + 1e6))
			break;
		if (fmod(y, 65536.0) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return -(lp0 + log(sum)) / M_LN10;
}

/*
 * gridgov.nb_score(x integer, mu float8, dispersion float8) -> float8:
 * -log10 P(Y >= x) when x > mu, else -log10 P(Y <= x).
 */
Datum
gridgov_nb_score(PG_FUNCTION_ARGS)
{
	int32		x = PG_GETARG_INT32(0);
	double		mu = PG_GETARG_FLOAT8(1);
	double		a = PG_GETARG_FLOAT8(2);
	double		below = 0;

	nb_check(mu, a);
	if (x < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the count must not be negative, not %d", x)));
	if (mu == 0)
		PG_RETURN_FLOAT8(x > 0 ? 300.0 : 0.0);
	if (x > mu)
		PG_RETURN_FLOAT8(nb_upper_score(x, mu, a));
	/* P(Y <= x), summed from the start (terms below it are negligible). */
	for (double y = nb_start(mu, a); y <= x; y += 1.0)
	{
		below += exp(nb_log_pmf(y, mu, a));
		if (fmod(y, 65536.0) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	below = Min(below, 1.0);
	PG_RETURN_FLOAT8(-log10(Max(below, 1e-300)));
}

/* nb_log_pmf with its parameters (mu, a) as an array, for glm_central_bounds. */
static double
nb_log_pmf_of(double y, const double *q)
{
	return nb_log_pmf(y, q[0], q[1]);
}

/*
 * The bounds of a central interval with the given level of a count whose
 * log probabilities f gives (parameters q), its mass within [start, end]:
 * the tail probabilities nearest (1 - level) / 2 each, lower minimising
 * |P(Y < lower) - t| and upper |P(Y <= upper) - (1 - t)|.  The usual
 * quantiles (tails at most t) cover more than the level for small counts;
 * these cover it on average.
 */
void
glm_central_bounds(glm_log_pmf f, const double *q, double start, double end, double level,
				   int32 *lower, int32 *upper)
{
	double		t = (1.0 - level) / 2.0;
	double		below = 0;
	double		best = t;
	double		y;

	*lower = 0;
	for (y = start;; y += 1.0)
	{
		double		cdf = below + exp(f(y, q));

		if (fabs(below - t) < best)
		{
			best = fabs(below - t);
			*lower = (int32) y;
		}
		if (cdf >= 1.0 - t || y >= end)
		{
			*upper = (int32) y;
			if (y > 0 && fabs(below - (1.0 - t)) < fabs(cdf - (1.0 - t)))
				*upper = (int32) y - 1;
			break;
		}
		below = cdf;
		if (fmod(y, 65536.0) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	*upper = Max(*upper, *lower);
}

/* gridgov.nb_interval(mu float8, dispersion float8, level float8) -> (lower integer, upper integer) */
Datum
gridgov_nb_interval(PG_FUNCTION_ARGS)
{
	double		mu = PG_GETARG_FLOAT8(0);
	double		a = PG_GETARG_FLOAT8(1);
	double		level = PG_GETARG_FLOAT8(2);
	int32		lower = 0;
	int32		upper = 0;
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	nb_check(mu, a);
	if (!(level > 0 && level < 1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the level must lie strictly between 0 and 1, not %g", level)));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("nb_interval must be called where a record is expected")));
	if (mu > 0)
	{
		double		q[2] = {mu, a};

		glm_central_bounds(nb_log_pmf_of, q, nb_start(mu, a), nb_end(mu, a), level, &lower, &upper);
	}
	values[0] = Int32GetDatum(lower);
	values[1] = Int32GetDatum(upper);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
