/**
 * The renderer's entry: mounts the app shell and routes every uncaught failure to the error
 * banner, so a user sees a readable message and never a stack trace.
 */
import { createApp } from 'vue';
import App from './App.vue';
import { reportError } from './state/banners';
import './styles/app.css';

const app = createApp(App);
app.config.errorHandler = (err) => reportError(err, 'Unexpected error in the interface');
window.addEventListener('unhandledrejection', (ev) => {
  ev.preventDefault();
  reportError(ev.reason, 'Unexpected error');
});
window.addEventListener('error', (ev) => {
  if (ev.error || ev.message) reportError(ev.error ?? ev.message, 'Unexpected error');
});
app.mount('#app');
