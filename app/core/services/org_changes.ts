/**
 * "This org's public face changed" (its name, its logo, its deletion), said
 * in-process by the action that changed it, after its commit, to whatever
 * keeps a copy (the verification page's issuer cache). Core holds the list
 * so that the modules that change an org (orgs, templates) need not import
 * the ones that cache it. The other web processes of this host are told
 * too (#core/services/web_cluster); processes elsewhere see the change when
 * their copy expires.
 */
import { onSiblings, tellSiblings } from '#core/services/web_cluster'

type OrgChangeListener = (orgId: string) => void

const listeners = new Set<OrgChangeListener>()

/** Calls `listener` with the org's id after each change; returns the function that stops it. */
export function onOrgChanged(listener: OrgChangeListener) {
  listeners.add(listener)
  return () => void listeners.delete(listener)
}

const CHANNEL = 'org.changed'

function tellListeners(orgId: string) {
  for (const listener of listeners) listener(orgId)
}

onSiblings(CHANNEL, (orgId) => tellListeners(orgId as string))

export function orgChanged(orgId: string) {
  tellListeners(orgId)
  tellSiblings(CHANNEL, orgId)
}
