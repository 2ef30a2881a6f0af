-- SPDX-License-Identifier: GPL-2.0-or-later
-- monitoring-role.sql: a least-privilege login role for the check_sbtc_* plugins
--
-- Creates (or brings back in line) the role sbtc_monitor for the sBTC signer's
-- PostgreSQL database. The role can:
--   * CONNECT to the signer's database,
--   * USAGE the schema sbtc_signer,
--   * SELECT exactly these columns, the ones the checks read, and no others:
--       sbtc_signer.dkg_shares      aggregate_key, created_at, dkg_shares_status
--                                   (check_sbtc_aggregate_key, check_sbtc_backup
--                                   --verify-key --dbconn; lib/dkg.c)
--       sbtc_signer.bitcoin_blocks  block_hash, block_height, created_at
--                                   (check_sbtc_block_lag --dbconn)
--     and for check_sbtc_signer (lib/signer_db.c):
--       sbtc_signer.dkg_shares      signer_set_public_keys, signature_share_threshold,
--                                   started_at_bitcoin_block_height (the signer set,
--                                   its threshold, DKG shares stuck unverified)
--       sbtc_signer.p2p_peers       public_key, last_dialed_at (peers dialed lately;
--                                   from migration 0019, signer v1.1.0)
--       sbtc_signer.deposit_requests  txid, output_index, created_at
--       sbtc_signer.deposit_signers   txid, output_index, signer_pub_key, can_accept,
--                                   can_sign (deposits this signer voted to sign)
--       sbtc_signer.bitcoin_tx_inputs prevout_txid, prevout_output_index, prevout_type
--                                   (whether a sweep spent a deposit)
--       sbtc_signer.withdrawal_requests  request_id, bitcoin_block_height
--       sbtc_signer.withdrawal_accept_events, withdrawal_reject_events  request_id
--                                   (withdrawals neither accepted nor rejected)
--     Whether the signer holds a session (pg_stat_activity rows with application_name
--     'sbtc-signer' in this database) needs no grant at all: PostgreSQL shows every
--     role the pid, database, user and application_name of every session, and hides
--     only the rest (query text, state, client address, times) from roles without
--     pg_read_all_stats (pgstatfuncs.c, pg_stat_get_activity). So the role is given
--     neither pg_read_all_stats nor pg_monitor: they would show it every session's
--     query text, which may hold secrets, for nothing the checks read.
-- and nothing else granted by this script: no other column (above all not
-- dkg_shares.encrypted_private_shares, the signer's share of the group key, which
-- the signer's own key decrypts), no other table, no sequence, no
-- INSERT/UPDATE/DELETE/TRUNCATE, no CREATE. So a `SELECT *` on those tables is
-- refused; count(*) is allowed (it reads no column). Its sessions default to
-- read-only transactions (default_transaction_read_only = on).
--
-- Works on every schema the signer has had: dkg_shares_status exists from the
-- signer's migration 0012__dkg_verification_extensions.sql on (a database without it
-- predates mainnet, or its migrations never ran); a column or table that does not
-- exist is skipped with a NOTICE and granted when the script is run again after
-- the migration. A column the signer adds later is not readable until it is
-- listed here.
--
-- Safe to re-run (after a signer upgrade, or to undo extra grants): the role is
-- created only when missing, its attributes are reset, every table and column
-- privilege it holds in sbtc_signer and public is revoked and the list above
-- granted again.
--
-- Run it as a superuser, or as the owner of the signer's tables who also has
-- CREATEROLE, connected to the signer's database:
--
--   psql -X -v ON_ERROR_STOP=1 -d signer -f monitoring-role.sql
--   psql -X -v ON_ERROR_STOP=1 -d signer -v dbname=signer -f monitoring-role.sql
--
-- (dbname defaults to the database psql is connected to.) Then set the password
-- interactively, so that it appears neither on a command line nor in a log:
--
--   psql -X -d signer -c '\password sbtc_monitor'
--
-- and give it to the checks through libpq's own means, never on a command line:
-- a ~/.pgpass line for the user running the checks (mode 0600)
--
--   db.example.net:5432:signer:sbtc_monitor:<password>
--
-- or a pg_service.conf section used as --dbconn='service=sbtc_signer':
--
--   [sbtc_signer]
--   host=db.example.net
--   port=5432
--   dbname=signer
--   user=sbtc_monitor
--   sslmode=verify-full
--
-- pg_hba.conf must let sbtc_monitor in from the monitoring host, e.g.
--   hostssl  signer  sbtc_monitor  192.0.2.10/32  scram-sha-256
--
-- Privileges every role gets through PUBLIC stay (this script cannot take them
-- from one role alone): CONNECT and TEMPORARY on databases, EXECUTE on
-- functions, and on PostgreSQL 14 or older CREATE on schema public. Optional
-- hardening, not done here because it affects every role of the database:
--   REVOKE CONNECT, TEMPORARY ON DATABASE signer FROM PUBLIC;
--     (then GRANT CONNECT ON DATABASE signer TO <the signer's own role>;)
--   REVOKE CREATE ON SCHEMA public FROM PUBLIC;
--
-- To remove the role:
--   REVOKE ALL ON ALL TABLES IN SCHEMA sbtc_signer FROM sbtc_monitor;
--   REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sbtc_monitor;
--   REVOKE ALL ON SCHEMA sbtc_signer FROM sbtc_monitor;
--   REVOKE ALL ON DATABASE signer FROM sbtc_monitor;
--   DROP ROLE sbtc_monitor;

\set ON_ERROR_STOP on

\if :{?dbname}
\else
\set dbname :DBNAME
\endif

BEGIN;

-- The role: created without a password (set it with \password), so that no
-- secret is ever part of this file or of a shell history.
DO $role$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'sbtc_monitor') THEN
        CREATE ROLE sbtc_monitor LOGIN;
    END IF;
END
$role$;

ALTER ROLE sbtc_monitor WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
    NOREPLICATION NOBYPASSRLS;
ALTER ROLE sbtc_monitor SET default_transaction_read_only = on;

-- Database: connect, nothing else (no CREATE of schemas, no TEMP tables).
REVOKE ALL ON DATABASE :"dbname" FROM sbtc_monitor;
GRANT CONNECT ON DATABASE :"dbname" TO sbtc_monitor;

-- Schemas: look up names in sbtc_signer; public is usable through PUBLIC's default.
REVOKE ALL ON SCHEMA sbtc_signer FROM sbtc_monitor;
GRANT USAGE ON SCHEMA sbtc_signer TO sbtc_monitor;

-- Tables: start from nothing (a table-level REVOKE also takes back every column
-- privilege on that table), then grant SELECT on exactly the columns the checks read.
REVOKE ALL ON ALL TABLES IN SCHEMA sbtc_signer FROM sbtc_monitor;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA sbtc_signer FROM sbtc_monitor;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sbtc_monitor;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM sbtc_monitor;

DO $grants$
DECLARE
    t text;
    c text;
    cols text[];
    granted text[];
BEGIN
    -- table, then its columns; the checks' queries name these and only these.
    FOREACH t IN ARRAY ARRAY[
        'sbtc_signer.dkg_shares:aggregate_key,created_at,dkg_shares_status',
        'sbtc_signer.bitcoin_blocks:block_hash,block_height,created_at',
        -- check_sbtc_signer (lib/signer_db.c)
        'sbtc_signer.dkg_shares:signer_set_public_keys,signature_share_threshold,'
            'started_at_bitcoin_block_height',
        'sbtc_signer.p2p_peers:public_key,last_dialed_at',
        'sbtc_signer.deposit_requests:txid,output_index,created_at',
        'sbtc_signer.deposit_signers:txid,output_index,signer_pub_key,can_accept,can_sign',
        'sbtc_signer.bitcoin_tx_inputs:prevout_txid,prevout_output_index,prevout_type',
        'sbtc_signer.withdrawal_requests:request_id,bitcoin_block_height',
        'sbtc_signer.withdrawal_accept_events:request_id',
        'sbtc_signer.withdrawal_reject_events:request_id'
    ] LOOP
        cols := pg_catalog.string_to_array(pg_catalog.split_part(t, ':', 2), ',');
        t := pg_catalog.split_part(t, ':', 1);
        IF pg_catalog.to_regclass(t) IS NULL THEN
            RAISE NOTICE 'table % does not exist in this database; not granted', t;
            CONTINUE;
        END IF;
        granted := ARRAY[]::text[];
        FOREACH c IN ARRAY cols LOOP
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                       WHERE attrelid = pg_catalog.to_regclass(t) AND attname = c
                       AND attnum > 0 AND NOT attisdropped) THEN
                granted := granted || pg_catalog.quote_ident(c);
            ELSE
                RAISE NOTICE 'column %.% does not exist in this database (a signer database '
                             'before that column''s migration); not granted', t, c;
            END IF;
        END LOOP;
        IF pg_catalog.cardinality(granted) > 0 THEN
            EXECUTE pg_catalog.format('GRANT SELECT (%s) ON TABLE %s TO sbtc_monitor',
                                      pg_catalog.array_to_string(granted, ', '), t);
        END IF;
    END LOOP;
END
$grants$;

COMMIT;
