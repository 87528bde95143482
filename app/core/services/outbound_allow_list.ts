import { isIPv4, isIPv6 } from 'node:net'
import { domainToASCII } from 'node:url'

/**
 * The platform's list of hosts that org-configured integrations may reach
 * even on private addresses (OUTBOUND_ALLOWED_HOSTS): the local stand-ins in
 * dev and tests, an acceptance test's own SMTP or WhatsApp server.
 */
export type AllowedHost = {
  /** As `normalizeHost` writes it: a lower-case ASCII name or a canonical IP address. */
  host: string
  /** null: any port. */
  port: number | null
}

export type AllowList = readonly AllowedHost[]

export type NormalizedHost = { kind: 'ip'; address: string } | { kind: 'name'; name: string }

/** What a user may type as a host name before it becomes ASCII (IDN included). */
const HOST_CHARACTERS = /^[\p{L}\p{M}\p{N}._-]+$/u
const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?'
const ASCII_HOST_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`)

/**
 * One spelling per host, so an allow-list entry and an org's setting compare
 * equal however each was written: brackets and case dropped, IDN as
 * punycode, one trailing dot dropped, and IP addresses in canonical form
 * (`127.1` and `2130706433` are 127.0.0.1, as the URL parser and the system
 * resolver read them). null when it is no host at all.
 */
export function normalizeHost(input: string): NormalizedHost | null {
  let host = input.trim()
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1)
    if (!isIPv6(host)) return null
  }
  if (isIPv6(host)) {
    // A zone (fe80::1%eth0) names an interface of this machine: never an org's server.
    if (host.includes('%')) return null
    return { kind: 'ip', address: canonicalIPv6(host) }
  }
  if (!HOST_CHARACTERS.test(host)) return null

  const ascii = domainToASCII(host)
  if (ascii === '') return null
  if (isIPv4(ascii)) return { kind: 'ip', address: ascii }

  const name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii
  return ASCII_HOST_NAME.test(name) ? { kind: 'name', name } : null
}

/**
 * As the URL parser writes it (compressed hex). Not ipaddr's own parsing:
 * it reads the IPv4-compatible ::a.b.c.d as the IPv4-mapped ::ffff:a.b.c.d,
 * another address than the one the system would connect to.
 */
function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1)
}

export function hostKey(host: NormalizedHost): string {
  return host.kind === 'ip' ? host.address : host.name
}

export function isAllowListed(allowList: AllowList, host: NormalizedHost, port: number): boolean {
  const key = hostKey(host)
  return allowList.some(
    (entry) => entry.host === key && (entry.port === null || entry.port === port)
  )
}

/**
 * Reads OUTBOUND_ALLOWED_HOSTS: comma-separated `host`, `host:port` or
 * `[ipv6]:port` entries (blank ones skipped, so a trailing comma is fine).
 * A malformed entry throws, naming the entry and the variable, so a typo
 * stops the boot instead of silently refusing the host it meant to allow.
 */
export function parseOutboundAllowList(
  value: string | undefined,
  variable = 'OUTBOUND_ALLOWED_HOSTS'
): AllowList {
  if (value === undefined) return []
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const parsed = parseEntry(entry)
      if (typeof parsed === 'string') throw new Error(`${variable}: "${entry}" ${parsed}`)
      return parsed
    })
}

/** The entry, or what is wrong with it. */
function parseEntry(entry: string): AllowedHost | string {
  if (entry.includes('://')) return 'is a URL: give a host or host:port, e.g. smtp.local:2525'

  let hostPart = entry
  let portPart: string | null = null
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']')
    if (close === -1) return 'opens a bracket it does not close'
    hostPart = entry.slice(0, close + 1)
    const rest = entry.slice(close + 1)
    if (rest !== '') {
      if (!rest.startsWith(':')) return 'has something other than :port after the IPv6 address'
      portPart = rest.slice(1)
    }
  } else {
    const colons = entry.split(':').length - 1
    if (colons > 1) return 'looks like an IPv6 address: write it in brackets, e.g. [::1]:2525'
    if (colons === 1) [hostPart, portPart] = entry.split(':')
  }

  const host = normalizeHost(hostPart)
  if (host === null) return 'is not a valid host name or IP address'
  if (portPart === null) return { host: hostKey(host), port: null }
  const port = parsePort(portPart)
  if (port === null) return 'has a port that is not a number from 1 to 65535'
  return { host: hostKey(host), port }
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null
  const port = Number(text)
  return port >= 1 && port <= 65535 ? port : null
}
