import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { initI18n } from './i18n/index.ts';
import { useApp } from './state/store.ts';
import './styles/app.css';
import './styles/messaging.css';
import './styles/keyboards.css';
import './styles/bots.css';
import './styles/wallet.css';
import './styles/market.css';
import './styles/market-chat.css';

await initI18n(useApp.getState().preferences.language);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
