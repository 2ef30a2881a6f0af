--
-- PostgreSQL database dump
--

\restrict HrWWUbMUEPBsGqYhsgNZEbGYOH0oLFiy8CKcK0bpbafSI4b0WNSlo8FccGqCfec

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: sbtc_signer; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA sbtc_signer;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: dkg_shares; Type: TABLE; Schema: sbtc_signer; Owner: -
--

CREATE TABLE sbtc_signer.dkg_shares (
    aggregate_key bytea,
    created_at timestamp with time zone,
    dkg_shares_status text
);


--
-- Data for Name: dkg_shares; Type: TABLE DATA; Schema: sbtc_signer; Owner: -
--

COPY sbtc_signer.dkg_shares (aggregate_key, created_at, dkg_shares_status) FROM stdin;
\\x03d8c4344861fc7590fd812c24884a3bfd9374d8ba865a787ff53c9060020aa967	2026-11-20 12:00:00+00	verified
\.


--
-- PostgreSQL database dump complete
--

\unrestrict HrWWUbMUEPBsGqYhsgNZEbGYOH0oLFiy8CKcK0bpbafSI4b0WNSlo8FccGqCfec

