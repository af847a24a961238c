package handlers

import (
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"

	"livedash/access"
	"livedash/models"
	"livedash/protocol"
	"livedash/store"
)

// ShareQRSize is the side of the view link's QR code, in pixels: large
// enough to scan from the back of a room off a projector.
const ShareQRSize = 320

// ShareLinks is what GET /api/share gives an admin for the page's Share
// dialog: the view and edit links, and the view link as a QR code (a PNG
// data URL). Outside keys mode there are no links: every field is empty.
type ShareLinks struct {
	View   string `json:"view,omitempty"`
	Edit   string `json:"edit,omitempty"`
	ViewQR string `json:"view_qr,omitempty"`
}

// ShareSource gives the share links their keys and base URL; nil outside
// keys mode.
type ShareSource struct {
	Keys      func() []store.AccessKey
	PublicURL string // "" : the address the request came to
}

// Share answers GET /api/share (admin). The response carries keys, so it
// is never cached; like every body, it is not logged.
func (a *API) Share(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	var out ShareLinks
	if a.ShareFrom == nil {
		return c.JSON(out)
	}
	base := a.ShareFrom.PublicURL
	if base == "" {
		base = c.Protocol() + "://" + c.Hostname()
	}
	for _, k := range a.ShareFrom.Keys() {
		switch k.Role {
		case protocol.RoleView:
			out.View = access.ShareLink(base, k.Key)
		case protocol.RoleEdit:
			out.Edit = access.ShareLink(base, k.Key)
		}
	}
	png, err := qrcode.Encode(out.View, qrcode.Medium, ShareQRSize)
	if err != nil {
		return models.Errorf(models.CodeInternal, "", "the QR code of the view link: %v", err)
	}
	out.ViewQR = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
	return c.JSON(out)
}
