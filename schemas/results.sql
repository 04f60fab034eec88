-- mapcount results database, schema version 1 (PRAGMA user_version).
-- `mapcount replay` applies this file to a new database and migrates older
-- ones forward; statements are idempotent. Tables only grow: new columns,
-- tables and views are added in later versions, nothing is renamed or dropped.

-- One row per replayed trace.
CREATE TABLE IF NOT EXISTS runs (
	run_id INTEGER PRIMARY KEY,
	trace TEXT NOT NULL,		-- trace file as given on the command line
	label TEXT,			-- --label
	records INTEGER,		-- records replayed (the valid prefix when status is not 'ok')
	models TEXT,			-- comma list of the models replayed
	source TEXT,			-- trace header: scenario, pagemap, kprobe, poll
	kernel TEXT,			-- trace header: uname -r of the recorded kernel
	host TEXT,			-- trace header: host name
	trace_start_ns INTEGER,		-- trace header: wall-clock start
	started TEXT,			-- replay start, UTC ISO-8601
	finished TEXT,			-- replay end, UTC ISO-8601
	seconds REAL,			-- replay wall time
	status TEXT,			-- running, ok, or error (see error)
	error TEXT,			-- why the replay stopped early
	inconsistencies INTEGER,	-- records that contradicted the replay state
	lost_events INTEGER,		-- events the recorder lost (LOST records)
	peak_live_folios INTEGER,
	mapcount_version TEXT
);

-- Records replayed per run and record type ('MAP', 'FORK', ...): the
-- denominators of per-operation questions.
CREATE TABLE IF NOT EXISTS run_records (
	run_id INTEGER NOT NULL REFERENCES runs(run_id),
	type TEXT NOT NULL,
	count INTEGER NOT NULL,
	PRIMARY KEY (run_id, type)
) WITHOUT ROWID;

-- Checkpoints, numbered 1, 2, ... in trace order per run; 'end' is the last.
CREATE TABLE IF NOT EXISTS checkpoints (
	run_id INTEGER NOT NULL REFERENCES runs(run_id),
	checkpoint INTEGER NOT NULL,
	label TEXT NOT NULL,		-- the trace's label, 'every N' or 'end'
	record INTEGER NOT NULL,	-- records replayed when it was taken
	time_ns INTEGER,		-- trace time
	kind TEXT NOT NULL,		-- trace, every, end
	live_mms INTEGER,
	live_folios INTEGER,
	mapped_pages INTEGER,		-- pages mapped, all mms (exact)
	PRIMARY KEY (run_id, checkpoint)
);

-- One row per run, model, checkpoint and metric; model 'kernel' holds the
-- live kernel's own figures when the trace has them.
CREATE TABLE IF NOT EXISTS metrics (
	run_id INTEGER NOT NULL,
	model TEXT NOT NULL,
	checkpoint INTEGER NOT NULL,
	name TEXT NOT NULL,
	value REAL,
	PRIMARY KEY (run_id, model, checkpoint, name)
) WITHOUT ROWID;

-- One row per live mm, model and checkpoint, smaps style, in bytes.
CREATE TABLE IF NOT EXISTS process_metrics (
	run_id INTEGER NOT NULL,
	model TEXT NOT NULL,
	checkpoint INTEGER NOT NULL,
	mm TEXT NOT NULL,		-- scenario name or PID/COMM
	rss_bytes INTEGER,
	pss_bytes INTEGER,
	uss_bytes INTEGER,		-- Private_Clean + Private_Dirty
	pss_anon_bytes INTEGER,
	pss_file_bytes INTEGER,
	pss_shmem_bytes INTEGER,
	shared_bytes INTEGER,		-- Shared_Clean + Shared_Dirty
	anon_bytes INTEGER,		-- Anonymous
	anon_huge_bytes INTEGER,	-- AnonHugePages
	pid INTEGER,
	mapmax INTEGER			-- numa_maps mapmax: largest page mapcount seen
);
CREATE INDEX IF NOT EXISTS process_metrics_key
	ON process_metrics (run_id, checkpoint, mm, model);

-- Every model's metric beside the oracle's.
CREATE VIEW IF NOT EXISTS metric_divergence AS
SELECT m.run_id, m.checkpoint, c.label AS checkpoint_label, m.model, m.name,
	m.value, o.value AS oracle, m.value - o.value AS diff,
	CASE WHEN o.value <> 0 THEN (m.value - o.value) / o.value END AS rel_diff
FROM metrics m
JOIN metrics o ON o.run_id = m.run_id AND o.checkpoint = m.checkpoint
	AND o.name = m.name AND o.model = 'oracle'
JOIN checkpoints c ON c.run_id = m.run_id AND c.checkpoint = m.checkpoint
WHERE m.model <> 'oracle';

-- Every model's smaps figures per process beside the oracle's.
CREATE VIEW IF NOT EXISTS process_divergence AS
SELECT p.run_id, p.checkpoint, p.mm, p.model,
	p.rss_bytes, o.rss_bytes AS oracle_rss_bytes, p.rss_bytes - o.rss_bytes AS rss_diff,
	p.pss_bytes, o.pss_bytes AS oracle_pss_bytes, p.pss_bytes - o.pss_bytes AS pss_diff,
	p.uss_bytes, o.uss_bytes AS oracle_uss_bytes, p.uss_bytes - o.uss_bytes AS uss_diff
FROM process_metrics p
JOIN process_metrics o ON o.run_id = p.run_id AND o.checkpoint = p.checkpoint
	AND o.mm = p.mm AND o.model = 'oracle'
WHERE p.model <> 'oracle';

-- One row per run and model: the final ('end') checkpoint, metrics side by side.
CREATE VIEW IF NOT EXISTS final_summary AS
SELECT m.run_id, m.model,
	SUM(CASE WHEN m.name = 'folios_mapped' THEN m.value END) AS folios_mapped,
	SUM(CASE WHEN m.name = 'folio_mapcount_mismatches' THEN m.value END) AS mapcount_mismatches,
	SUM(CASE WHEN m.name = 'false_shared_folios' THEN m.value END) AS false_shared,
	SUM(CASE WHEN m.name = 'false_exclusive_folios' THEN m.value END) AS false_exclusive,
	SUM(CASE WHEN m.name = 'partially_mapped_missed' THEN m.value END) AS partial_missed,
	SUM(CASE WHEN m.name = 'partially_mapped_false' THEN m.value END) AS partial_false,
	SUM(CASE WHEN m.name = 'page_mapcount_error' THEN m.value END) AS page_mapcount_error,
	SUM(CASE WHEN m.name = 'anon_mapped_pages' THEN m.value END) AS anon_mapped_pages,
	SUM(CASE WHEN m.name = 'file_mapped_pages' THEN m.value END) AS file_mapped_pages,
	SUM(CASE WHEN m.name = 'cow_reuse_wrong' THEN m.value END) AS cow_reuse_wrong,
	SUM(CASE WHEN m.name = 'atomic_ops' THEN m.value END) AS atomic_ops,
	SUM(CASE WHEN m.name = 'cachelines_touched' THEN m.value END) AS cachelines_touched,
	SUM(CASE WHEN m.name = 'metadata_bytes' THEN m.value END) AS metadata_bytes,
	SUM(CASE WHEN m.name = 'overflows' THEN m.value END) AS overflows,
	SUM(CASE WHEN m.name = 'inconsistencies' THEN m.value END) AS inconsistencies,
	SUM(CASE WHEN m.name = 'violations' THEN m.value END) AS violations
FROM metrics m
JOIN checkpoints c ON c.run_id = m.run_id AND c.checkpoint = m.checkpoint AND c.kind = 'end'
GROUP BY m.run_id, m.model;
