// One page of a list from the API, with its loading and failed states: the same few lines
// every list screen needs. `params()` gives the filters at the time of the load.
import { ref } from 'vue'
import { api } from './api.js'

export function usePagedList(path, params = () => ({}), perPage = 20) {
  const items = ref([])
  const meta = ref({ page: 1, per_page: perPage, total: 0 })
  const loading = ref(false)
  const error = ref(null)
  async function load(page = 1) {
    loading.value = true
    error.value = null
    try {
      const res = await api.get(path, { ...params(), page, per_page: perPage })
      items.value = res.items
      meta.value = res.meta
    } catch (err) {
      error.value = err // said as a failed load, never as an empty list
      items.value = []
    } finally {
      loading.value = false
    }
  }
  return { items, meta, loading, error, load }
}
