package ws

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"

	"livedash/metrics"
	"livedash/models"
)

// Server serves /ws: it checks the upgrade request, then runs one connection
// per WebSocket on top of the hub and the store.
type Server struct {
	store   *models.Store
	hub     *Hub
	metrics *metrics.Metrics
	log     *slog.Logger
	ctx     context.Context // ends at shutdown; bounds reads made for connections
	buffers sync.Pool       // *[]byte for coalescing writes, shared by all connections
	wbufs   sync.Pool       // the library's write buffers, only held while it writes
}

func NewServer(ctx context.Context, store *models.Store, hub *Hub, m *metrics.Metrics, log *slog.Logger) *Server {
	s := &Server{store: store, hub: hub, metrics: m, log: log, ctx: ctx}
	s.buffers.New = func() any {
		b := make([]byte, 0, 4096)
		return &b
	}
	return s
}

const paramsKey = "livedash.ws.params"

// Handlers returns the chain for the /ws route: the upgrade check, then the
// WebSocket handler.
func (s *Server) Handlers() []fiber.Handler {
	return []fiber.Handler{s.checkUpgrade, websocket.New(s.serve, websocket.Config{
		// Origins are checked in checkUpgrade: the rule (same host as the
		// request, localhost, or a configured origin) needs the request's
		// Host, which contrib's exact-match list cannot express.
		Origins:         []string{"*"},
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &s.wbufs,
	})}
}

func (s *Server) checkUpgrade(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return models.Errorf(models.CodeBadRequest, "", "this endpoint speaks WebSocket; send an upgrade request")
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && !s.originAllowed(origin, string(c.Request().Host())) {
		return models.Errorf(models.CodeForbidden, "", "origin %s is not allowed", origin)
	}
	p, err := parseParams(c)
	if err != nil {
		return err
	}
	c.Locals(paramsKey, p)
	return c.Next()
}

func (s *Server) originAllowed(origin, host string) bool {
	return OriginAllowed(s.hub.cfg.Origins, origin, host)
}

// OriginAllowed is the server's Origin rule, for WebSocket upgrades and REST
// writes alike: the request's own host, any localhost or loopback origin, or
// one of the configured origins ("*" allows all).
func OriginAllowed(allowed []string, origin, host string) bool {
	for _, o := range allowed {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, host) {
		return true
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// parseParams copies what it keeps: fiber's query strings alias the
// request's buffer, which fasthttp reuses for the next request while the
// connection lives on (its actor would change under a later upgrade).
func parseParams(c *fiber.Ctx) (Params, error) {
	var p Params
	query := func(key string) string { return strings.Clone(c.Query(key)) }
	if v := query("client"); v != "" {
		if !validClientID(v) {
			return p, models.Errorf(models.CodeInvalid, "client", "client must be 1 to 64 of A-Z, a-z, 0-9, _ and -")
		}
		p.Client, p.Remember = v, true
	} else {
		p.Client = "anon-" + models.NewID(9)
	}
	if v := query("name"); v != "" {
		v = strings.TrimSpace(v)
		if n := utf8.RuneCountInString(v); n < 1 || n > 40 {
			return p, models.Errorf(models.CodeInvalid, "name", "name must have 1 to 40 characters")
		}
		p.Name = v
	}
	if v := c.Query("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return p, models.Errorf(models.CodeInvalid, "since", "since must be a seq: an integer of 0 or more")
		}
		p.Since = &n
	}
	p.Epoch = query("epoch")
	return p, nil
}

// serve runs one connection. It returns only after both of the connection's
// goroutines are done, since contrib recycles the *websocket.Conn after it.
func (s *Server) serve(wc *websocket.Conn) {
	p, _ := wc.Locals(paramsKey).(Params)
	cfg := s.hub.cfg
	c := &conn{
		hub:     s.hub,
		srv:     s,
		ws:      wc.Conn,
		Params:  p,
		queue:   newSendQueue(cfg.SendQueue),
		pongs:   make(chan string, 1),
		limiter: rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst),
		quit:    make(chan struct{}),
	}
	c.log = s.log.With("client", p.Client, "remote", wc.RemoteAddr().String())
	welcomeSeq, err := s.hub.register(c)
	if err != nil {
		msg := websocket.FormatCloseMessage(CloseGoingAway, "server shutting down")
		_ = wc.WriteControl(websocket.CloseMessage, msg, time.Now().Add(cfg.WriteWait))
		return
	}
	since := int64(-1)
	if p.Since != nil {
		since = *p.Since
	}
	c.log.Info("connection opened", "name", p.Name, "since", since)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.writeLoop(s.ctx, welcomeSeq)
	}()
	c.readLoop(s.ctx)
	<-done
	s.hub.unregister(c)
	if c.closeCode != noCloseFrame && c.closeCode != CloseNormal {
		c.linger()
	}
	c.log.Info("connection closed", "code", c.closeCode, "reason", c.closeReason)
}

// query answers the requests that read.
func (s *Server) query(ctx context.Context, req Request) ([]byte, error) {
	var v any
	var err error
	switch req.query {
	case queryPing:
		return []byte("{}"), nil
	case queryState:
		v, err = s.store.State(ctx)
	case queryItemList:
		var items []models.Item
		items, err = s.store.Items(ctx)
		v = map[string]any{"items": items}
	case queryItemGet:
		v, err = s.store.Item(ctx, req.recordID)
	case queryScoreList:
		var scores []models.Score
		scores, err = s.store.Scores(ctx)
		v = map[string]any{"scores": scores}
	case queryScoreGet:
		v, err = s.store.Score(ctx, req.recordID)
	}
	if err != nil {
		if models.AsError(err).Code == models.CodeInternal {
			s.log.Error("query failed", "type", req.Type, "err", err)
		}
		return nil, err
	}
	return json.Marshal(v)
}

func validClientID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}
