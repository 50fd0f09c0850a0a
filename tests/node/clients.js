// node-postgres (pg, the Node.js driver behind Knex, Sequelize, TypeORM and most Node dashboards)
// against `shape serve`: parameters of several types, named prepared statements, values typed
// by their column (numbers, timestamps as Date), an error with its SQLSTATE and position that
// leaves the session usable, a transaction block, and a cursor reading every event in pages.
// Usage: node clients.js PORT
const assert = require('assert');
const { Client } = require('pg');
const Cursor = require('pg-cursor');

async function main() {
  const client = new Client({ host: '127.0.0.1', port: Number(process.argv[2]), user: 'shape', database: 'shape' });
  await client.connect();

  const version = (await client.query('SELECT version()')).rows[0].version;
  assert.match(version, /^PostgreSQL \d+/);

  const typed = await client.query('SELECT $1::int + 1 AS x, $2::text AS t, $3::float8 AS f, $4::bool AS b, $5::timestamptz AS at',
    [41, 'hi', 1.5, true, new Date('2025-11-16T12:00:00Z')]);
  const row = typed.rows[0];
  assert.strictEqual(Number(row.x), 42);
  assert.strictEqual(row.t, 'hi');
  assert.strictEqual(row.f, 1.5);
  assert.strictEqual(row.b, true);
  assert.ok(row.at instanceof Date && row.at.toISOString() === '2025-11-16T12:00:00.000Z', String(row.at));

  const total = Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n);
  assert.ok(total > 1000, `events: ${total}`);
  const canvas = await client.query({ name: 'by_component', text: 'SELECT count(*) AS n, min(ts) AS first, max(duration_ms) AS slowest FROM events WHERE component = $1', values: ['canvas'] });
  const again = await client.query({ name: 'by_component', text: 'SELECT count(*) AS n, min(ts) AS first, max(duration_ms) AS slowest FROM events WHERE component = $1', values: ['canvas'] });
  assert.deepStrictEqual(again.rows, canvas.rows);
  assert.ok(canvas.rows[0].first instanceof Date);
  assert.strictEqual(typeof canvas.rows[0].slowest, 'number');

  const slos = await client.query('SELECT slo_id, objective, status FROM slo_status ORDER BY slo_id');
  assert.strictEqual(slos.rows.length, 31);
  assert.strictEqual(typeof slos.rows[0].objective, 'number');

  await assert.rejects(client.query('SELECT * FROM no_such_table WHERE x = $1', [1]), (e) => {
    assert.strictEqual(e.code, '42P01');
    assert.strictEqual(e.position, '15');
    return true;
  });
  await assert.rejects(client.query('SELEC 1'), (e) => e.code === '42601');
  assert.strictEqual(Number((await client.query('SELECT 1 AS one')).rows[0].one), 1);

  await client.query('BEGIN');
  const inBlock = await client.query('SELECT count(*) AS n FROM events');
  await client.query('COMMIT');
  assert.strictEqual(Number(inBlock.rows[0].n), total);

  const cursor = client.query(new Cursor('SELECT ts, service, _line FROM events ORDER BY ts'));
  let read = 0;
  let last = null;
  for (;;) {
    const page = await cursor.read(1000);
    if (page.length === 0) break;
    for (const r of page) {
      assert.ok(last === null || r.ts >= last, 'rows in ts order');
      last = r.ts;
    }
    read += page.length;
  }
  await cursor.close();
  assert.strictEqual(read, total);

  await client.end();
  console.log(`node-postgres ok: ${total} events by cursor`);
}

main().catch((e) => { console.error(e); process.exit(1); });
