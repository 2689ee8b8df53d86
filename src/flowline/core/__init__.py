"""Settings, database, tables and the services that act on them. Imports neither api nor worker."""
