--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: appointments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.appointments (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    starts_at double precision NOT NULL,
    place text DEFAULT ''::text NOT NULL,
    remind_at double precision NOT NULL,
    reminded_at double precision,
    created_at double precision NOT NULL
);


--
-- Name: appointments_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.appointments ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.appointments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: bookmarks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bookmarks (
    user_id bigint NOT NULL,
    section_id text NOT NULL,
    part_id text DEFAULT ''::text NOT NULL,
    page integer NOT NULL,
    created_at double precision NOT NULL,
    seq bigint NOT NULL
);


--
-- Name: bookmarks_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.bookmarks ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.bookmarks_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: contacts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.contacts (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    label text DEFAULT ''::text NOT NULL,
    phone text NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: contacts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.contacts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.contacts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: handled_updates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.handled_updates (
    update_id bigint NOT NULL,
    handled_at double precision NOT NULL
);


--
-- Name: marks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.marks (
    user_id bigint NOT NULL,
    item_id text NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: prompts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.prompts (
    user_id bigint NOT NULL,
    kind text NOT NULL,
    ref bigint,
    origin text DEFAULT ''::text NOT NULL,
    opened_at double precision NOT NULL,
    expires_at double precision NOT NULL
);


--
-- Name: questions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.questions (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    guide_id text,
    text text NOT NULL,
    created_at double precision NOT NULL,
    asked_at double precision,
    answer text,
    answered_at double precision,
    removed_at double precision
);


--
-- Name: questions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.questions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.questions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: schema_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_version (
    version integer NOT NULL,
    applied_at double precision
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    user_id bigint NOT NULL,
    created_at double precision NOT NULL,
    consent_at double precision,
    skip_gates boolean DEFAULT false NOT NULL,
    timezone text,
    reminders_off boolean DEFAULT false NOT NULL,
    language text,
    fever_c double precision,
    country text,
    emergency_number text,
    urgent_button boolean,
    fever_rule text,
    treatment text
);


--
-- Data for Name: appointments; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.appointments OVERRIDING SYSTEM VALUE VALUES (2, 7, 1781209600, 'Day hospital', 1781123200, NULL, 1780000018);
INSERT INTO public.appointments OVERRIDING SYSTEM VALUE VALUES (1, 7, 1780086400, '', 1780000000, 1780000019, 1780000017);


--
-- Data for Name: bookmarks; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.bookmarks OVERRIDING SYSTEM VALUE VALUES (7, 'treatment', 'chemotherapy', 2, 1780000004, 1);
INSERT INTO public.bookmarks OVERRIDING SYSTEM VALUE VALUES (7, 'diagnosis', '', 1, 1780000005, 2);
INSERT INTO public.bookmarks OVERRIDING SYSTEM VALUE VALUES (7, 'coping', '', 0, 1780000006, 3);
INSERT INTO public.bookmarks OVERRIDING SYSTEM VALUE VALUES (8, 'follow_up', '', 0, 1780000021, 4);


--
-- Data for Name: contacts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.contacts OVERRIDING SYSTEM VALUE VALUES (1, 7, 'Ward, nights', '+34 600 000 001', 1780000015);
INSERT INTO public.contacts OVERRIDING SYSTEM VALUE VALUES (2, 7, '', '+34 600 000 002', 1780000016);


--
-- Data for Name: handled_updates; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: marks; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.marks VALUES (7, 'fever', 1780000007);
INSERT INTO public.marks VALUES (7, 'infections', 1780000008);


--
-- Data for Name: prompts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.prompts VALUES (7, 'answer', 1, 'mo:1', 1780000027, 1780001827);


--
-- Data for Name: questions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.questions OVERRIDING SYSTEM VALUE VALUES (1, 7, NULL, '¿Cuándo podrá volver al colegio? ¿Y a la piscina ''cubierta''?', 1780000009, 1780000010, 'Cuando los neutrófilos suban.
Preguntar otra vez en dos semanas.', 1780000010, NULL);
INSERT INTO public.questions OVERRIDING SYSTEM VALUE VALUES (2, 7, NULL, '¿Qué vacunas necesitan los hermanos?', 1780000011, 1780000012, NULL, NULL, NULL);
INSERT INTO public.questions OVERRIDING SYSTEM VALUE VALUES (3, 7, 'leukemia_type', '¿Qué tipo de leucemia tiene mi hijo?', 1780000013, NULL, NULL, NULL, NULL);
INSERT INTO public.questions OVERRIDING SYSTEM VALUE VALUES (6, 8, NULL, '¿Hace falta repetir la analítica antes de la consulta?', 1780000025, NULL, NULL, NULL, NULL);
INSERT INTO public.questions OVERRIDING SYSTEM VALUE VALUES (4, 7, NULL, 'Pregunta que se quitó (todavía se puede deshacer)', 1780000014, NULL, NULL, NULL, 1780000026);


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_version VALUES (1, 1780000000);
INSERT INTO public.schema_version VALUES (2, 1780000001);
INSERT INTO public.schema_version VALUES (3, 1780000002);
INSERT INTO public.schema_version VALUES (4, 1780000003);
INSERT INTO public.schema_version VALUES (5, 1780000004);
INSERT INTO public.schema_version VALUES (6, 1780000005);


--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.users VALUES (7, 1780000000, 1780000000, true, 'Europe/Madrid', false, 'es', 38.3, 'es', '112', true, '38.0 twice an hour apart', 'treated');
INSERT INTO public.users VALUES (8, 1780000001, 1780000001, false, NULL, true, NULL, NULL, NULL, NULL, false, NULL, NULL);
INSERT INTO public.users VALUES (9, 1780000028, NULL, false, NULL, false, 'en', NULL, NULL, NULL, NULL, NULL, NULL);


--
-- Name: appointments_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.appointments_id_seq', 2, true);


--
-- Name: bookmarks_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.bookmarks_seq_seq', 4, true);


--
-- Name: contacts_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.contacts_id_seq', 2, true);


--
-- Name: questions_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.questions_id_seq', 6, true);


--
-- Name: appointments appointments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_pkey PRIMARY KEY (id);


--
-- Name: bookmarks bookmarks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookmarks
    ADD CONSTRAINT bookmarks_pkey PRIMARY KEY (user_id, section_id, part_id, page);


--
-- Name: contacts contacts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.contacts
    ADD CONSTRAINT contacts_pkey PRIMARY KEY (id);


--
-- Name: handled_updates handled_updates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handled_updates
    ADD CONSTRAINT handled_updates_pkey PRIMARY KEY (update_id);


--
-- Name: marks marks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.marks
    ADD CONSTRAINT marks_pkey PRIMARY KEY (user_id, item_id);


--
-- Name: prompts prompts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.prompts
    ADD CONSTRAINT prompts_pkey PRIMARY KEY (user_id);


--
-- Name: questions questions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.questions
    ADD CONSTRAINT questions_pkey PRIMARY KEY (id);


--
-- Name: schema_version schema_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (user_id);


--
-- Name: appointments_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX appointments_due ON public.appointments USING btree (remind_at) WHERE (reminded_at IS NULL);


--
-- Name: appointments_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX appointments_user ON public.appointments USING btree (user_id, starts_at);


--
-- Name: contacts_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX contacts_user ON public.contacts USING btree (user_id, id);


--
-- Name: handled_updates_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX handled_updates_at ON public.handled_updates USING btree (handled_at);


--
-- Name: questions_guide; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX questions_guide ON public.questions USING btree (user_id, guide_id) WHERE (guide_id IS NOT NULL);


--
-- Name: questions_removed; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX questions_removed ON public.questions USING btree (removed_at) WHERE (removed_at IS NOT NULL);


--
-- Name: questions_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX questions_user ON public.questions USING btree (user_id, id);


--
-- Name: appointments appointments_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id) ON DELETE CASCADE;


--
-- Name: bookmarks bookmarks_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookmarks
    ADD CONSTRAINT bookmarks_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id) ON DELETE CASCADE;


--
-- Name: contacts contacts_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.contacts
    ADD CONSTRAINT contacts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id) ON DELETE CASCADE;


--
-- Name: marks marks_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.marks
    ADD CONSTRAINT marks_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id) ON DELETE CASCADE;


--
-- Name: prompts prompts_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.prompts
    ADD CONSTRAINT prompts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id) ON DELETE CASCADE;


--
-- Name: questions questions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.questions
    ADD CONSTRAINT questions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(user_id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


