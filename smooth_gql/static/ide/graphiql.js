// GraphiQL for smooth-gql, started from this file (the page has no inline script).
//
// What the browser keeps: only GraphiQL's layout and theme choices go to
// localStorage. Tabs, their queries, variables, headers and responses, and the
// query history live in memory for the life of the page, and nothing is written
// to the address bar. A password typed into a `login` or `register` tab, an API
// key in the headers pane, or a secret returned by `createApiKey` is therefore
// gone when the tab is closed or reloaded; the page opens with the example tabs.
"use strict";
(function () {
  // GraphiQL keeps its state under these keys (prefixed "graphiql:"); only they may
  // reach localStorage, and only short plain values (a number, "light"/"dark", a
  // plugin's name), so no text typed into an editor can get there under them.
  var PERSISTED = {
    "graphiql:theme": true,
    "graphiql:editorFlex": true,
    "graphiql:docExplorerFlex": true,
    "graphiql:historyPaneFlex": true,
    "graphiql:secondaryEditorFlex": true,
    "graphiql:visiblePlugin": true,
  };
  var PLAIN_VALUE = /^[A-Za-z0-9 .\-]{0,40}$/;

  function localGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null; // storage disabled: nothing is remembered
    }
  }

  function localSet(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* storage disabled or full: the choice lasts for this page only */
    }
  }

  function localRemove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* nothing to remove */
    }
  }

  // Tab state and history that an older page (Strawberry's GraphiQL) left in
  // localStorage may hold a password: remove every GraphiQL key not on the list.
  try {
    var stale = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var k = window.localStorage.key(i);
      if (k && k.indexOf("graphiql:") === 0 && !PERSISTED[k]) stale.push(k);
    }
    stale.forEach(localRemove);
  } catch (e) {
    /* storage disabled */
  }

  var memory = new Map();
  var storage = {
    getItem: function (key) {
      if (memory.has(key)) return memory.get(key);
      return PERSISTED[key] ? localGet(key) : null;
    },
    setItem: function (key, value) {
      var text = String(value);
      memory.set(key, text);
      if (PERSISTED[key] && PLAIN_VALUE.test(text)) localSet(key, text);
    },
    removeItem: function (key) {
      memory.delete(key);
      if (PERSISTED[key]) localRemove(key);
    },
    clear: function () {
      memory.clear();
      Object.keys(PERSISTED).forEach(localRemove);
    },
    get length() {
      return memory.size;
    },
  };

  var tabs = JSON.parse(document.getElementById("smooth-graphiql-tabs").textContent);
  // GraphiQL fills the first tab's variables pane from storage, not from defaultTabs.
  memory.set("graphiql:variables", tabs[0].variables);
  var httpUrl = window.location.origin + window.location.pathname;
  var wsUrl = httpUrl.replace(/^http/, "ws"); // ws for http, wss for https; the same host

  // Session cookies ride along (same origin). Subscriptions use graphql-ws
  // (graphql-transport-ws); the browser sends the session cookie on the handshake.
  var fetcher = GraphiQL.createFetcher({ url: httpUrl, subscriptionUrl: wsUrl });

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      storage: storage,
      defaultTabs: tabs,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    })
  );
})();
