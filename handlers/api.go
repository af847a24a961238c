// Package handlers serves the REST API. Mutations take the same path as
// WebSocket ones: store.Mutate commits, the store's writer publishes.
package handlers

import (
	"bytes"
	"context"
	"crypto/subtle"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"livedash/metrics"
	"livedash/models"
)

// API holds what the REST handlers need.
type API struct {
	Store      *models.Store
	AdminToken string
	Metrics    *metrics.Metrics
	Log        *slog.Logger
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

func (a *API) State(c *fiber.Ctx) error {
	st, err := a.Store.State(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (a *API) ListItems(c *fiber.Ctx) error {
	items, err := a.Store.Items(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (a *API) GetItem(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	it, err := a.Store.Item(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(it)
}

func (a *API) ListScores(c *fiber.Ctx) error {
	scores, err := a.Store.Scores(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"scores": scores})
}

func (a *API) GetScore(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	s, err := a.Store.Score(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(s)
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
	m := models.DeleteItem{}
	if err := queryVersion(c, &m.Version); err != nil {
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
	m := models.DeleteScore{}
	if err := queryVersion(c, &m.Version); err != nil {
		return err
	}
	return a.commit(c, &m, &m.ID, fiber.StatusOK)
}

// Reset restores the demo data. With an admin token configured, it must come
// as a bearer token; the comparison takes constant time.
func (a *API) Reset(c *fiber.Ctx) error {
	if a.AdminToken != "" {
		got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.AdminToken)) != 1 {
			return models.Errorf(models.CodeUnauthorized, "", "reset needs the admin token: Authorization: Bearer <token>")
		}
	}
	res, err := a.Store.Mutate(c.UserContext(), origin(c), &models.ResetDemo{})
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
	events, err := a.Store.EventsSince(c.UserContext(), since, int(limit))
	if err != nil {
		return err
	}
	seq := a.Store.Seq() // read after the events, so no event is beyond it
	return c.JSON(fiber.Map{"events": events, "seq": seq, "epoch": a.Store.Epoch()})
}

// mutate decodes the JSON body into m, takes the record id from the path
// when the route has one, and commits.
func (a *API) mutate(c *fiber.Ctx, m models.Mutation, id *int64, status int) error {
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 || body[0] != '{' {
		return models.Errorf(models.CodeBadRequest, "", "the body must be a JSON object")
	}
	if err := models.DecodeJSON(body, m); err != nil {
		return err
	}
	return a.commit(c, m, id, status)
}

func (a *API) commit(c *fiber.Ctx, m models.Mutation, id *int64, status int) error {
	if id != nil {
		v, err := pathID(c)
		if err != nil {
			return err
		}
		*id = v
	}
	started := time.Now()
	res, err := a.Store.Mutate(c.UserContext(), origin(c), m)
	if err != nil {
		return err
	}
	a.Metrics.Commit(time.Since(started))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set("X-Livedash-Seq", strconv.FormatInt(res.Seq, 10))
	return c.Status(status).Send(res.Data)
}

// origin names who made a REST change: scripts may say so in headers. The
// name follows the same rule as every other name (models.CleanName); one
// that breaks it is ignored, as it always was, so the change is made but
// shows no actor name.
func origin(c *fiber.Ctx) models.Origin {
	name, err := models.CleanName("name", c.Get("X-Livedash-Name"), models.MaxName)
	if err != nil {
		name = ""
	}
	client := c.Get("X-Livedash-Client")
	if len(client) > 64 {
		client = ""
	}
	return models.Origin{Client: client, Name: name}
}

func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.Errorf(models.CodeInvalid, "id", "id must be a positive integer")
	}
	return id, nil
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

func queryVersion(c *fiber.Ctx, dst **int64) error {
	if c.Query("version") == "" {
		return nil
	}
	v, err := queryInt(c, "version", 0)
	if err != nil {
		return err
	}
	*dst = &v
	return nil
}
