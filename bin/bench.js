#!/usr/bin/env node
/*
| `npm run bench -- <name> [args]` runs bench/<name>.js. Each benchmark prints
| one JSON line with its figures and the machine it ran on.
*/
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const available = readdirSync(join(root, 'bench'))
  .filter((file) => file.endsWith('.js') && !file.startsWith('_'))
  .map((file) => file.replace(/\.js$/, ''))
const [name, ...args] = process.argv.slice(2)

if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (available: ${available.join(', ') || 'none'})`)
  process.exit(2)
}
const file = join(root, 'bench', `${name}.js`)
if (!existsSync(file)) process.exit(2)
const child = spawnSync(process.execPath, [file, ...args], { cwd: root, stdio: 'inherit' })
process.exit(child.status ?? 1)
