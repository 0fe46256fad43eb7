// The panels' view types, apart from their protocols: the extension registers the
// serializers at activation without loading the protocols' validators.
export const SESSION_PANEL_VIEW_TYPE = 'mqttSessions.sessionPanel';
export const ORDERS_PANEL_VIEW_TYPE = 'mqttSessions.ordersPanel';
