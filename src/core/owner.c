/*
 * owner.c
 *		Privilege switching to the owner of the case history; see owner.h.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "owner.h"

Oid
owner_of_history(void)
{
	Oid			relid = get_relname_relid("case_events", get_namespace_oid("gridgov", false));
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "table gridgov.case_events not found");
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

void
owner_run_as_history_owner(void (*fn) (void *), void *arg)
{
	Oid			save_user;
	int			save_sec;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(owner_of_history(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		fn(arg);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_user, save_sec);
	}
	PG_END_TRY();
}

/*
 * The same inside a connection to SPI of its own: SPI_connect, fn(arg) as
 * the owner of gridgov.case_events, SPI_finish.  fn copies out what it
 * keeps before it returns (SPI_finish frees what SPI returned).
 */
void
owner_spi_as_history_owner(void (*fn) (void *), void *arg)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	owner_run_as_history_owner(fn, arg);
	SPI_finish();
}
