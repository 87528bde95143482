/**
 * Handles an action's result by its `kind`, one handler per case. The
 * handlers object must name every kind of the union: a case added to an
 * action is a compile error in each controller until it is handled.
 *
 *   return handle(result, {
 *     updated: ({ role }) => redirectWith(ctx, 'success', `Saved
 * ${role.name}.`).toRoute('orgs.roles.index'),
 *     name_taken: () => back(),
 *   })
 */
export type Handlers<R extends { kind: string }, T> = {
  [K in R['kind']]: (result: Extract<R, { kind: K }>) => T
}

export function handle<R extends { kind: string }, T>(result: R, handlers: Handlers<R, T>): T {
  const handler = (handlers as unknown as Record<string, (value: R) => T>)[result.kind]
  if (!handler) throw new Error(`Unhandled result ${JSON.stringify(result)}`)
  return handler(result)
}
