/**
 * Recipient data and field keys are user-chosen strings. Looked up with
 * `row[key]`, a key such as `constructor` finds `Object.prototype`'s member
 * and prints "function Object() { [native code] }" on a certificate; these
 * read a record's own keys only.
 */

const PROTOTYPE_MEMBERS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype'])

/** `constructor`, `__proto__`, `toString`, `hasOwnProperty`, …: never a data key. */
export function namesPrototypeMember(key: string) {
  return PROTOTYPE_MEMBERS.has(key)
}

/** `record[key]` if the record itself has that key, else undefined. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

/** An empty record with no prototype: `key in record` and `record[key]` see only what was put in. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null)
}
