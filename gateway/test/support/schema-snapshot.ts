import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Tables } from '../../src/db/tables.js'

/**
 * Everything in the public schema that a migration can change, read from pg_catalog as Postgres itself prints
 * it, so two databases built different ways compare equal exactly when their schemas are the same. Columns keep
 * their order (ALTER TABLE ADD COLUMN appends, so schema.sql must too); Kysely's own migration tables are left out.
 */
export interface SchemaSnapshot {
  columns: Record<string, string[]>
  constraints: string[]
  indexes: string[]
  sequences: string[]
  views: string[]
  functions: string[]
  triggers: string[]
  types: string[]
}

const OWN_RELATION = sql`c.relnamespace = 'public'::regnamespace and c.relname not like 'kysely\\_migration%'`

export async function snapshotSchema(db: Kysely<Tables>): Promise<SchemaSnapshot> {
  const lines = async (query: RawBuilder<{ line: string }>) =>
    (await query.execute(db)).rows.map((r) => r.line)

  const columnRows = await sql<{ table: string; column: string }>`
    select c.relname as table,
      a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
        || case when a.attnotnull then ' not null' else '' end
        || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
        || case when a.attidentity <> '' then ' identity ' || a.attidentity::text else '' end
        || case when a.attgenerated <> '' then ' generated' else '' end as column
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where ${OWN_RELATION} and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`.execute(db)
  const columns: Record<string, string[]> = {}
  for (const r of columnRows.rows) {
    columns[r.table] ??= []
    columns[r.table]?.push(r.column)
  }

  return {
    columns,
    constraints: await lines(sql`
      select c.relname || '.' || k.conname || ': ' || pg_get_constraintdef(k.oid) as line
      from pg_constraint k join pg_class c on c.oid = k.conrelid
      where ${OWN_RELATION} order by line`),
    indexes: await lines(sql`
      select pg_get_indexdef(i.indexrelid) as line
      from pg_index i join pg_class c on c.oid = i.indrelid
      where ${OWN_RELATION} order by line`),
    sequences: await lines(sql`
      select c.relname || ' ' || format_type(s.seqtypid, null) || coalesce(' owned by ' || o.relname
        || '.' || a.attname, '') as line
      from pg_sequence s join pg_class c on c.oid = s.seqrelid
      left join pg_depend d on d.objid = c.oid and d.deptype = 'a' and d.classid = 'pg_class'::regclass
      left join pg_class o on o.oid = d.refobjid
      left join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
      where ${OWN_RELATION} order by line`),
    views: await lines(sql`
      select c.relname || ': ' || pg_get_viewdef(c.oid) as line from pg_class c
      where ${OWN_RELATION} and c.relkind in ('v', 'm') order by line`),
    functions: await lines(sql`
      select pg_get_functiondef(p.oid) as line from pg_proc p
      where p.pronamespace = 'public'::regnamespace and p.prokind in ('f', 'p') order by line`),
    triggers: await lines(sql`
      select pg_get_triggerdef(t.oid) as line
      from pg_trigger t join pg_class c on c.oid = t.tgrelid
      where ${OWN_RELATION} and not t.tgisinternal order by line`),
    types: await lines(sql`
      select t.typname || ' ' || t.typtype::text || coalesce(' (' || (select string_agg(e.enumlabel, ', '
        order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) || ')', '') as line
      from pg_type t
      where t.typnamespace = 'public'::regnamespace and t.typtype in ('e', 'd', 'c')
        and not exists (select 1 from pg_class c where c.oid = t.typrelid and c.relkind <> 'c')
      order by line`),
  }
}
