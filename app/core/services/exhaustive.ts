/**
 * The `default` branch of a switch over an action's result union: a new case
 * the controller forgot becomes a compile error, and at run time a loud one.
 */
export function unhandled(value: never): never {
  throw new Error(`Unhandled result ${JSON.stringify(value)}`)
}
