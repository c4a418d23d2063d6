-- /stats for one platform (`/stats month meituan`) picks its riders by platform.
CREATE INDEX users_platform ON users (platform) WHERE platform IS NOT NULL;
