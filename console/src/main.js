import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'
import {
  Button, Cell, CellGroup, Empty, Field, Icon, Loading, NavBar, Popup, Progress, PullRefresh, Rate, Step, Steps,
  Tab, Tabbar, TabbarItem, Tabs, Tag,
} from 'vant'
import 'vant/lib/index.css'
import './style.css'
import './phone/phone.css'
import App from './App.vue'
import { router } from './router.js'

const app = createApp(App).use(router).use(ElementPlus, { locale: zhCn })
// the phone app (/console/m/) is built from Vant; the back office keeps Element Plus
for (const c of [Button, Cell, CellGroup, Empty, Field, Icon, Loading, NavBar, Popup, Progress, PullRefresh, Rate, Step, Steps, Tab, Tabbar, TabbarItem, Tabs, Tag]) app.use(c)
app.mount('#app')

// the phone app opens with no signal from the cached files (src/sw.js, written by the build)
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => navigator.serviceWorker.register(import.meta.env.BASE_URL + 'sw.js').catch(() => {}))
}
