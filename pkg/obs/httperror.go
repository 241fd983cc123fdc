package obs

import (
	"encoding/json"
	"net/http"
)

// Error is the body of every error newsflow's HTTP listeners answer — the
// store's API, the fetcher's feed API, and requests net/http refuses before
// any handler — so a client decodes one shape whatever went wrong.
type Error struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// WriteJSON answers status with v as its JSON body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError answers status with an Error saying msg.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, Error{Status: status, Message: msg})
}
