import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api.ts';

// The page gets the typed API and nothing else: no ipcRenderer, no Node, no Electron objects.
contextBridge.exposeInMainWorld('dchat', createPreloadApi(ipcRenderer, process.platform));
