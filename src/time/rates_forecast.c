/*
 * rates_forecast.c
 *		The arithmetic of the three-rate prediction (src/sql/088_forecast_rates.sql,
 *		docs/bi.md "Three-rate prediction"): a binomial regression with logit
 *		link fitted by iteratively reweighted least squares (the normal
 *		equations and their Cholesky factor are src/time/forecast.c's), the
 *		beta-binomial over-dispersion of its residuals, the empirical-Bayes
 *		beta prior that shrinks a unit's rate toward its county's, and the
 *		central interval of a beta-binomial count.
 *
 * As in forecast.c, SQL builds the regressors and passes the design matrix as
 * a two-dimensional float8 array; every function checks its arrays (no NULL
 * element 22004, shapes and values 22023) and keeps no state.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"

#include "forecast.h"

PG_FUNCTION_INFO_V1(gridgov_glm_binomial_fit);
PG_FUNCTION_INFO_V1(gridgov_beta_binomial_prior);
PG_FUNCTION_INFO_V1(gridgov_beta_binomial_interval);

/* |logit p| at most 12: p within 6e-6 of 0 or 1, so that every weight stays positive */
#define BIN_ETA_LIMIT		12.0
#define BIN_MAX_RHO			0.5
#define PRIOR_MAX_STRENGTH	1e6
#define PRIOR_MIN_STRENGTH	1e-3
#define BB_MAX_TRIALS		1000000
/* The trials of a fit or prior in all: counts, exact in a double */
#define BIN_MAX_TRIALS		1e15

/*
 * The successes and trials of a binomial: one each per row (any number when
 * rows < 0), 0 <= successes <= trials, at most BIN_MAX_TRIALS trials in all.
 */
static int
binomial_counts(ArrayType *ya, ArrayType *ma, int rows, double **y, double **m)
{
	int			ny, nm;
	double		total = 0;

	*y = glm_float8_values(ya, "the successes", &ny);
	*m = glm_float8_values(ma, "the trials", &nm);
	if (ny != nm || (rows >= 0 && ny != rows))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%d successes and %d trials for %d rows: one of each per row needed",
							   ny, nm, rows >= 0 ? rows : ny)));
	for (int i = 0; i < ny; i++)
	{
		if (!((*m)[i] >= 0 && (*y)[i] >= 0 && (*y)[i] <= (*m)[i]))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("the trials must not be negative and the successes must lie between 0 and the trials")));
		total += (*m)[i];
	}
	/* (sums and squares of larger counts overflow or lose every unit: a mean of 0 for 1e308 of 2e308) */
	if (total > BIN_MAX_TRIALS)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the trials must not sum to more than 10^15, not %g", total)));
	return ny;
}

/* prob = expit(X b), the linear predictor held within +-BIN_ETA_LIMIT. */
static void
binomial_predict(const double *x, const double *b, int n, int p, double *prob)
{
	glm_linear_predictor(x, b, n, p, BIN_ETA_LIMIT, prob);
	for (int i = 0; i < n; i++)
		prob[i] = 1.0 / (1.0 + exp(-prob[i]));
}

/* Binomial deviance of y successes in m trials given prob. */
static double
binomial_deviance(const double *y, const double *m, const double *prob, int n)
{
	double		d = 0;

	for (int i = 0; i < n; i++)
	{
		if (y[i] > 0)
			d += 2.0 * y[i] * log(y[i] / (m[i] * prob[i]));
		if (m[i] - y[i] > 0)
			d += 2.0 * (m[i] - y[i]) * log((m[i] - y[i]) / (m[i] * (1.0 - prob[i])));
	}
	return d;
}

/* The logit model's working weight and response at prob, for m trials (none: no weight). */
static void
binomial_working(double y, double m, double prob, double *w, double *z)
{
	double		v = prob * (1.0 - prob);

	*w = m * v;
	*z = m > 0 ? log(prob / (1.0 - prob)) + (y - m * prob) / (m * v) : 0;
}

static const GlmFamily binomial_family = {binomial_working, binomial_predict, binomial_deviance};

/*
 * Intra-class correlation rho of a beta-binomial (variance m p (1 - p)
 * (1 + (m - 1) rho)) from the Pearson statistic of the fit: X^2 is about
 * (rows - p) + rho sum(m - 1).  Held in [0, BIN_MAX_RHO].
 */
static double
binomial_rho(const double *y, const double *m, const double *prob, int n, int p)
{
	double		x2 = 0;
	double		extra = 0;
	int			rows = 0;

	for (int i = 0; i < n; i++)
	{
		double		v = m[i] * prob[i] * (1.0 - prob[i]);

		if (m[i] <= 0 || v <= 0)
			continue;
		x2 += (y[i] - m[i] * prob[i]) * (y[i] - m[i] * prob[i]) / v;
		extra += m[i] - 1.0;
		rows++;
	}
	if (extra <= 0)
		return 0;
	return Max(0.0, Min(BIN_MAX_RHO, (x2 - (rows - p)) / extra));
}

/* Covariance of the coefficients: the inverse normal matrix with the beta-binomial's weights. */
static double *
binomial_covariance(const double *m, const double *prob, const double *x, int n, int p, double ridge, double rho)
{
	double	   *w = palloc(sizeof(double) * Max(n, 1));
	double	   *cov;

	for (int i = 0; i < n; i++)
		w[i] = m[i] * prob[i] * (1.0 - prob[i]) / (1.0 + Max(m[i] - 1.0, 0.0) * rho);
	cov = glm_inverse_normal(x, w, n, p, ridge);
	pfree(w);
	return cov;
}

/*
 * gridgov.glm_binomial_fit(successes float8[], trials float8[], x float8[][], ridge float8)
 *	 -> (coefficients float8[], dispersion float8, deviance float8, iterations integer,
 *		 covariance float8[][])
 */
Datum
gridgov_glm_binomial_fit(PG_FUNCTION_ARGS)
{
	int			n, p, used = 0;
	double	   *y, *m, *x, *b, *prob, rho, ridge = PG_GETARG_FLOAT8(3);
	int			iter;
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	x = glm_design_matrix(PG_GETARG_ARRAYTYPE_P(2), &n, &p);
	binomial_counts(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), n, &y, &m);
	for (int i = 0; i < n; i++)
		used += m[i] > 0;
	if (used <= p)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%d rows with trials for a design matrix of %d columns: more rows than columns needed",
							   used, p)));
	if (!(ridge >= 0 && ridge <= 1e6))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("ridge must lie in [0, 1000000], not %g", ridge)));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("glm_binomial_fit must be called where a record is expected")));
	b = palloc(sizeof(double) * p);
	prob = palloc(sizeof(double) * n);
	for (int i = 0; i < n; i++)
		prob[i] = (y[i] + 0.5) / (m[i] + 1.0);
	iter = glm_irls(&binomial_family, y, m, x, n, p, ridge, b, prob);
	rho = binomial_rho(y, m, prob, n, p);
	values[0] = PointerGetDatum(glm_float8_array(b, p));
	values[1] = Float8GetDatum(rho);
	values[2] = Float8GetDatum(binomial_deviance(y, m, prob, n));
	values[3] = Int32GetDatum(iter);
	values[4] = PointerGetDatum(glm_float8_matrix(binomial_covariance(m, prob, x, n, p, ridge, rho), p));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/*
 * The strength kappa = alpha + beta of the beta prior of the units' rates by
 * moments: with pbar = sum k / sum n and S = sum n (k / n - pbar)^2,
 * E S = pbar (1 - pbar) ((I - 1) + rho (N - sum n^2 / N)), rho = 1 / (kappa + 1).
 * No spread beyond the binomial's (or one unit, or pbar 0 or 1): the
 * largest strength, full pooling.
 */
static double
prior_strength(const double *k, const double *n, int count, double pbar, double total)
{
	double		s = 0, n2 = 0, den, rho;
	int			units = 0;

	for (int i = 0; i < count; i++)
	{
		if (n[i] <= 0)
			continue;
		s += n[i] * (k[i] / n[i] - pbar) * (k[i] / n[i] - pbar);
		n2 += n[i] * n[i];
		units++;
	}
	den = total - n2 / total;
	if (units < 2 || pbar <= 0 || pbar >= 1 || den <= 0)
		return PRIOR_MAX_STRENGTH;
	rho = (s / (pbar * (1.0 - pbar)) - (units - 1)) / den;
	if (rho <= 1.0 / (PRIOR_MAX_STRENGTH + 1.0))
		return PRIOR_MAX_STRENGTH;
	return Max(PRIOR_MIN_STRENGTH, Min(PRIOR_MAX_STRENGTH, 1.0 / rho - 1.0));
}

/* gridgov.beta_binomial_prior(successes float8[], trials float8[]) -> (mean float8, strength float8) */
Datum
gridgov_beta_binomial_prior(PG_FUNCTION_ARGS)
{
	int			count;
	double	   *k, *n, total = 0, hits = 0;
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	count = binomial_counts(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), -1, &k, &n);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("beta_binomial_prior must be called where a record is expected")));
	for (int i = 0; i < count; i++)
	{
		total += n[i];
		hits += k[i];
	}
	if (total > 0)
	{
		values[0] = Float8GetDatum(hits / total);
		values[1] = Float8GetDatum(prior_strength(k, n, count, hits / total, total));
	}
	else
		nulls[0] = nulls[1] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/*
 * log P(K = k) of a beta-binomial, q = {trials, p, alpha, beta}; the
 * binomial when alpha is 0 (no over-dispersion).
 */
static double
bb_log_pmf(double k, const double *q)
{
	double		n = q[0];
	double		lc = lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);

	if (q[2] <= 0)
		return lc + k * log(q[1]) + (n - k) * log(1.0 - q[1]);
	return lc + lgamma(k + q[2]) + lgamma(n - k + q[3]) - lgamma(n + q[2] + q[3])
		- (lgamma(q[2]) + lgamma(q[3]) - lgamma(q[2] + q[3]));
}

/* gridgov.beta_binomial_interval(trials integer, p float8, rho float8, level float8) -> (lower integer, upper integer) */
Datum
gridgov_beta_binomial_interval(PG_FUNCTION_ARGS)
{
	int32		trials = PG_GETARG_INT32(0);
	double		p = PG_GETARG_FLOAT8(1);
	double		rho = PG_GETARG_FLOAT8(2);
	double		level = PG_GETARG_FLOAT8(3);
	int32		lower = 0, upper = 0;
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (trials < 0 || trials > BB_MAX_TRIALS || !(p >= 0 && p <= 1) || !(rho >= 0 && rho < 1)
		|| !(level > 0 && level < 1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("a beta-binomial interval needs trials in [0, %d], p in [0, 1], rho in [0, 1) and a level in (0, 1)",
							   BB_MAX_TRIALS)));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("beta_binomial_interval must be called where a record is expected")));
	if (p >= 1)
		lower = upper = trials;
	else if (p > 0 && trials > 0)
	{
		double		q[4] = {trials, p, 0, 0};

		if (rho > 1e-12)
		{
			q[2] = p * (1.0 - rho) / rho;
			q[3] = (1.0 - p) * (1.0 - rho) / rho;
		}
		glm_central_bounds(bb_log_pmf, q, 0, trials, level, &lower, &upper);
	}
	values[0] = Int32GetDatum(lower);
	values[1] = Int32GetDatum(upper);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
