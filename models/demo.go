package models

// The demo data set: what a new database holds and what a reset restores.
// Ids are fixed so that scripts and the README's examples keep working
// across resets.
func DemoItems() []Item {
	return []Item{
		{ID: 1, Name: "Projector", Description: "Room 2, ceiling mount"},
		{ID: 2, Name: "Whiteboard markers", Description: "Four colours, box on the shelf"},
		{ID: 3, Name: "Conference phone", Description: "In the big meeting room"},
		{ID: 4, Name: "Coffee machine", Description: "Descale on Fridays"},
		{ID: 5, Name: "Spare HDMI cables", Description: "Drawer under the TV"},
	}
}

func DemoScores() []Score {
	return []Score{
		{ID: 1, Player: "Alice", Points: 42},
		{ID: 2, Player: "Bob", Points: 35},
		{ID: 3, Player: "Carol", Points: 28},
		{ID: 4, Player: "Dave", Points: 21},
		{ID: 5, Player: "Erin", Points: 14},
		{ID: 6, Player: "Frank", Points: 7},
	}
}
