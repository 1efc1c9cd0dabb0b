import { masterKey, setMasterKey, takeKeyFromUrl } from './api.js';
import { byId } from './dom.js';
import { FunctionsView } from './functions.js';
import { TraceModel } from './model.js';
import { ServiceBusView } from './servicebus.js';
import { SignalRView } from './signalr.js';
import { StorageView } from './storage.js';
import { TimelineView } from './timeline.js';
import type { Batch, Snapshot } from './types.js';

type Tab = 'timeline' | 'functions' | 'servicebus' | 'signalr' | 'storage';
const TABS: Tab[] = ['timeline', 'functions', 'servicebus', 'signalr', 'storage'];

takeKeyFromUrl();
const model = new TraceModel();
const say = (message: string) => (byId('status').textContent = message);
let current: Tab = 'timeline';

const timeline = new TimelineView(byId('view-timeline'), model);
const openTrace = (traceId: string) => {
  show('timeline');
  timeline.select(traceId);
};
const views = {
  timeline: { render: async () => timeline.render() },
  functions: new FunctionsView(byId('view-functions'), model, openTrace, say),
  servicebus: new ServiceBusView(byId('view-servicebus'), say),
  signalr: new SignalRView(byId('view-signalr'), model, openTrace),
  storage: new StorageView(byId('view-storage')),
};

function refresh(tab: Tab): void {
  const view = views[tab];
  const done = 'refresh' in view ? view.refresh() : view.render();
  done.catch((error: unknown) => say(`Could not load the ${tab} view: ${(error as Error).message}`));
}

function show(tab: Tab): void {
  if (tab !== current) say('');
  current = tab;
  for (const name of TABS) {
    byId(`view-${name}`).hidden = name !== tab;
    byId(`tab-${name}`).setAttribute('aria-selected', String(name === tab));
  }
  refresh(tab);
}

for (const tab of TABS) byId(`tab-${tab}`).addEventListener('click', () => show(tab));

// Views other than the timeline reload (at most every 300 ms) when something new is recorded.
let pending: ReturnType<typeof setTimeout> | undefined;
function changed(): void {
  if (current === 'timeline') return timeline.render();
  pending ??= setTimeout(() => {
    pending = undefined;
    refresh(current);
  }, 300);
}

function connect(): void {
  const events = new EventSource('/_local/api/events');
  const state = byId('live-state');
  events.addEventListener('snapshot', (event) => {
    model.load(JSON.parse((event as MessageEvent<string>).data) as Snapshot);
    state.dataset.state = 'live';
    state.textContent = 'live';
    changed();
  });
  events.addEventListener('batch', (event) => {
    model.apply(JSON.parse((event as MessageEvent<string>).data) as Batch);
    changed();
  });
  events.addEventListener('error', () => {
    state.dataset.state = 'reconnecting';
    state.textContent = 'reconnecting…';
  });
}

function wireKey(): void {
  const form = byId<HTMLFormElement>('key-form');
  const input = byId<HTMLInputElement>('key-input');
  const showState = () =>
    (byId('key-state').textContent = masterKey() ? 'master key set' : 'no master key: actions are off');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setMasterKey(input.value);
    input.value = '';
    showState();
  });
  showState();
}

wireKey();
connect();
show('timeline');
