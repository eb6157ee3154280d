/*
 * kfdash's dashboard library for upstream Kubeflow apps framed inside the dashboard
 * (Volumes, TensorBoards, KServe models, the KFP UI...). Apps load it as
 * /dashboard_lib.bundle.js and use the same global API as with the upstream dashboard:
 *
 *   window.centraldashboard.CentralDashboardEventHandler.init((handler, isIframed) => {
 *     handler.onParentConnected = () => {};
 *     handler.onNamespaceSelected = (namespace) => {};
 *     handler.onAllNamespacesSelected = (namespaces) => {};
 *   });
 *
 * Protocol: the app posts {type: 'iframe-connected'} to the dashboard; the dashboard answers
 * {type: 'parent-connected'}, then {type: 'namespace-selected', value: name} or
 * {type: 'all-namespaces', value: [names]}, now and on every change. Only messages from this
 * site's origin and from the dashboard's window are read, and posts name this site's origin.
 */
(function (global) {
  'use strict';

  var PARENT_CONNECTED = 'parent-connected';
  var IFRAME_CONNECTED = 'iframe-connected';
  var NAMESPACE_SELECTED = 'namespace-selected';
  var ALL_NAMESPACES = 'all-namespaces';

  function EventHandler() {
    this._callbacks = {};
    this._listener = null;
    this._listeningOn = null;
  }

  function callbackSetter(name) {
    return {
      set: function (callback) {
        if (typeof callback === 'function') this._callbacks[name] = callback;
      },
      get: function () {
        return this._callbacks[name] || null;
      },
    };
  }

  Object.defineProperties(EventHandler.prototype, {
    onParentConnected: callbackSetter(PARENT_CONNECTED),
    onNamespaceSelected: callbackSetter(NAMESPACE_SELECTED),
    onAllNamespacesSelected: callbackSetter(ALL_NAMESPACES),
    isIframed: {
      get: function () {
        return global.parent !== global;
      },
    },
    isOpenedByApp: {
      get: function () {
        return !!global.opener && global.opener !== global;
      },
    },
  });

  /** The dashboard's window: our parent, or the parent of the framed app that opened us. */
  EventHandler.prototype._dashboard = function () {
    if (this.isIframed) return global.parent;
    if (this.isOpenedByApp) {
      try {
        return global.opener.parent;
      } catch (error) {
        return null;
      }
    }
    return null;
  };

  EventHandler.prototype._receive = function (event) {
    var dashboard = this._dashboard();
    if (event.origin !== global.location.origin || !dashboard || event.source !== dashboard) return;
    var data = event.data;
    if (!data || typeof data.type !== 'string') return;
    var callback = this._callbacks[data.type];
    if (!callback) return;
    callback(data.type === PARENT_CONNECTED ? data : data.value);
  };

  /**
   * Calls `callback(handler, isIframed)` so the app can attach its callbacks, then connects
   * to the dashboard if there is one. Outside a dashboard nothing more happens.
   */
  EventHandler.prototype.init = function (callback) {
    var framed = this.isIframed || this.isOpenedByApp;
    if (typeof callback === 'function') callback(this, framed);
    var dashboard = this._dashboard();
    if (!dashboard || this._listener) return;
    this._listener = this._receive.bind(this);
    this._listeningOn = global;
    global.addEventListener('message', this._listener);
    dashboard.postMessage({ type: IFRAME_CONNECTED }, global.location.origin);
  };

  /** Stops listening to the dashboard. */
  EventHandler.prototype.detach = function () {
    if (!this._listener) return;
    this._listeningOn.removeEventListener('message', this._listener);
    this._listener = null;
    this._listeningOn = null;
  };

  global.centraldashboard = {
    CentralDashboardEventHandler: new EventHandler(),
    PARENT_CONNECTED_EVENT: PARENT_CONNECTED,
    IFRAME_CONNECTED_EVENT: IFRAME_CONNECTED,
    NAMESPACE_SELECTED_EVENT: NAMESPACE_SELECTED,
    ALL_NAMESPACES_EVENT: ALL_NAMESPACES,
  };
})(window);
