/*
| Every moment the app writes is UTC. Lucid stamps `created_at`/`updated_at`
| with `DateTime.local()`, and SQLite keeps timestamps as text without a
| zone: on a host whose time zone is not UTC those stamps would be local
| time beside the UTC ones `dbTimestamp` writes, and comparisons across them
| (the verification change feed, leases, "this month") would be off by the
| zone's offset. Luxon's default zone is set before anything is written.
*/
import { Settings } from 'luxon'

Settings.defaultZone = 'utc'
