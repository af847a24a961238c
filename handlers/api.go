// Package handlers serves the REST API. Mutations take the same path as
// WebSocket ones (store.Mutate commits, the store's publisher feeds the hub
// before the reply), and reads the same query path (store.Query).
package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"livedash/access"
	"livedash/metrics"
	"livedash/models"
	"livedash/protocol"
	"livedash/store"
)

// API holds what the REST handlers need.
type API struct {
	Store   *store.Store
	Metrics *metrics.Metrics
	Log     *slog.Logger
	Access  AccessInfo
	// ShareFrom makes the share links (keys mode); nil in other modes.
	ShareFrom *ShareSource
}

// AccessInfo is what GET /api/access tells the page before it has a
// credential: the mode, and where a person whose credential was refused
// signs in again. Neither is a secret.
type AccessInfo struct {
	Mode     string `json:"mode"`
	LoginURL string `json:"login_url,omitempty"`
}

const maxEventsPage = 1000

func (a *API) Health(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		a.Log.Error("health check failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ok", "seq": a.Store.Seq(), "epoch": a.Store.Epoch()})
}

// Limits tells clients the field limits, so they need no copies of them.
func (a *API) Limits(c *fiber.Ctx) error {
	return c.JSON(models.CurrentLimits())
}

// ShowAccess answers GET /api/access (AccessInfo); it needs no credential.
func (a *API) ShowAccess(c *fiber.Ctx) error { return c.JSON(a.Access) }

func (a *API) State(c *fiber.Ctx) error        { return a.query(c, models.QueryState) }
func (a *API) ListItems(c *fiber.Ctx) error    { return a.query(c, models.QueryItemList) }
func (a *API) GetItem(c *fiber.Ctx) error      { return a.query(c, models.QueryItemGet) }
func (a *API) ListScores(c *fiber.Ctx) error   { return a.query(c, models.QueryScoreList) }
func (a *API) GetScore(c *fiber.Ctx) error     { return a.query(c, models.QueryScoreGet) }
func (a *API) ItemHistory(c *fiber.Ctx) error  { return a.query(c, models.QueryItemHistory) }
func (a *API) ScoreHistory(c *fiber.Ctx) error { return a.query(c, models.QueryScoreHistory) }

// Undo reverses the change of one event (body {"seq"}), as a change of its
// own; the answer is the record after it ({"id"} when it undid a create).
func (a *API) Undo(c *fiber.Ctx) error {
	var m models.Undo
	return a.mutate(c, &m, nil, fiber.StatusOK)
}

// query answers a read through the store's one read path, which WebSocket
// requests use too.
func (a *API) query(c *fiber.Ctx, q models.Query) error {
	var args models.Args
	if q.TakesID() {
		var err error
		if args.ID, err = pathID(c); err != nil {
			return err
		}
	}
	if q.IsHistory() {
		limit, err := queryInt(c, "limit", 0)
		if err != nil {
			return err
		}
		if args.Limit, err = protocol.HistoryLimit(limit, c.Query("limit") != ""); err != nil {
			return err
		}
	}
	v, err := a.Store.Query(c.UserContext(), q, args)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (a *API) CreateItem(c *fiber.Ctx) error {
	var m models.CreateItem
	return a.mutate(c, &m, nil, fiber.StatusCreated)
}

func (a *API) UpdateItem(c *fiber.Ctx) error {
	var m models.UpdateItem
	return a.mutate(c, &m, &m.ID, fiber.StatusOK)
}

func (a *API) DeleteItem(c *fiber.Ctx) error {
	var m models.DeleteItem
	if err := deleteVersion(c, &m, &m.Version); err != nil {
		return err
	}
	return a.commit(c, &m, &m.ID, fiber.StatusOK)
}

func (a *API) CreateScore(c *fiber.Ctx) error {
	var m models.CreateScore
	return a.mutate(c, &m, nil, fiber.StatusCreated)
}

func (a *API) UpdateScore(c *fiber.Ctx) error {
	var m models.UpdateScore
	return a.mutate(c, &m, &m.ID, fiber.StatusOK)
}

func (a *API) IncrementScore(c *fiber.Ctx) error {
	var m models.IncrementScore
	return a.mutate(c, &m, &m.ID, fiber.StatusOK)
}

func (a *API) DeleteScore(c *fiber.Ctx) error {
	var m models.DeleteScore
	if err := deleteVersion(c, &m, &m.Version); err != nil {
		return err
	}
	return a.commit(c, &m, &m.ID, fiber.StatusOK)
}

// Reset restores the demo data. Its route needs the admin role (in open
// mode: the admin token, when one is set); Authorize checked it.
func (a *API) Reset(c *fiber.Ctx) error {
	who, err := a.origin(c)
	if err != nil {
		return err
	}
	res, err := a.Store.Mutate(c.UserContext(), who, &models.ResetDemo{})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"seq": res.Seq})
}

func (a *API) Events(c *fiber.Ctx) error {
	since, err := queryInt(c, "since", 0)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 100)
	if err != nil {
		return err
	}
	if limit < 1 || limit > maxEventsPage {
		return models.Errorf(models.CodeInvalid, "limit", "limit must be between 1 and %d", maxEventsPage)
	}
	// One snapshot: no event above seq, and seq covers every commit before
	// the request, on any instance.
	events, seq, err := a.Store.EventsPage(c.UserContext(), since, int(limit))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"events": events, "seq": seq, "epoch": a.Store.Epoch()})
}

// bearerToken is the token of an Authorization header in the Bearer
// scheme, whose name is case-insensitive (RFC 9110, RFC 6750).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// mutate decodes the JSON body into m, takes the record id from the path
// when the route has one, and commits.
func (a *API) mutate(c *fiber.Ctx, m models.Mutation, id *int64, status int) error {
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 {
		return models.Errorf(models.CodeBadRequest, "", "the body must be a JSON object")
	}
	if err := decodeBody(body, m); err != nil {
		return err
	}
	return a.commit(c, m, id, status)
}

// decodeBody decodes a JSON object into m.
func decodeBody(body []byte, m models.Mutation) error {
	if body[0] != '{' {
		return models.Errorf(models.CodeBadRequest, "", "the body must be a JSON object")
	}
	if err := models.DecodeJSON(body, m); err != nil {
		return err
	}
	return nil
}

// deleteVersion reads a delete's optional version, from a JSON body
// ({"version"}) or the query (?version=), under the same rule as every
// version; when both give one, they must agree.
func deleteVersion(c *fiber.Ctx, m models.Mutation, version **int64) error {
	if body := bytes.TrimSpace(c.Body()); len(body) > 0 {
		if err := decodeBody(body, m); err != nil {
			return err
		}
	}
	q := c.Query("version")
	if q == "" {
		return nil
	}
	v, err := models.ParseVersion(q)
	if err != nil {
		return err
	}
	if *version != nil && **version != v {
		return models.Errorf(models.CodeInvalid, "version", "the query says version %d and the body %d", v, **version)
	}
	*version = &v
	return nil
}

func (a *API) commit(c *fiber.Ctx, m models.Mutation, id *int64, status int) error {
	if id != nil {
		v, err := pathID(c)
		if err != nil {
			return err
		}
		*id = v
	}
	who, err := a.origin(c)
	if err != nil {
		return err
	}
	started := time.Now()
	res, err := a.Store.Mutate(c.UserContext(), who, m)
	if err != nil {
		return err
	}
	a.Metrics.Commit(time.Since(started))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set("X-Livedash-Seq", strconv.FormatInt(res.Seq, 10))
	return c.Status(status).Send(res.Data)
}

// origin names who made a REST change: scripts may say so in headers, under
// the same rule as the WebSocket's connect query. A token (jwt mode) says
// it instead: its sub makes the public id, and its name, if any, the name.
func (a *API) origin(c *fiber.Ctx) (store.Origin, error) {
	who, err := models.NewIdentity(c.Get("X-Livedash-Client"), c.Get("X-Livedash-Name"))
	g, _ := c.Locals(access.GrantKey).(access.Grant)
	idOf, name := g.Identity(who.Client, who.Name)
	return store.Origin{Client: who.Client, Name: name, PublicID: a.Store.PublicID(idOf)}, err
}

func pathID(c *fiber.Ctx) (int64, error) {
	return protocol.ParseID(c.Params("id"))
}

func queryInt(c *fiber.Ctx, key string, def int64) (int64, error) {
	v := c.Query(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, models.Errorf(models.CodeInvalid, key, "%s must be an integer of 0 or more", key)
	}
	return n, nil
}
