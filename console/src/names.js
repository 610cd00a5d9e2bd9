// Display names for scored entities: org units from the tree in scope, people by id (cached).
import { api } from './api.js'
import { orgIndex, pathName } from './util.js'

const people = new Map()

export async function entityNames(items) {
  const { index } = await orgIndex()
  const out = {}
  const wanted = []
  for (const it of items) {
    const key = it.entity_kind + ':' + it.entity_id
    if (['village', 'grid', 'township', 'county'].includes(it.entity_kind)) {
      out[key] = index.get(it.entity_id)?.name || '—'
    } else if (['member', 'cadre'].includes(it.entity_kind)) {
      if (people.has(it.entity_id)) out[key] = people.get(it.entity_id)
      else wanted.push(it)
    } else if (it.entity_kind === 'team') {
      out[key] = '组团'
    } else out[key] = '—'
  }
  await Promise.all(
    wanted.map(async (it) => {
      let name = '—'
      try {
        name = (await api.get(`/people/${it.entity_id}`)).name
        people.set(it.entity_id, name)
      } catch {
        /* out of scope: keep the number */
      }
      out[it.entity_kind + ':' + it.entity_id] = name
    }),
  )
  return { names: out, place: (path) => pathName(index, path, 2) }
}
