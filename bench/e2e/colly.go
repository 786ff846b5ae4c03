package main

import (
	"flag"
	"fmt"
	"net/url"
	"regexp"
	"sync/atomic"

	"github.com/gocolly/colly/v2"
)

// skipped are the file types the crawler never fetches as pages; the
// peers are told to skip them too, so that all three walk the same pages.
var skipped = []string{"jpg", "jpeg", "png", "gif", "bmp", "webp", "svg", "ico",
	"css", "js", "json", "woff", "woff2", "ttf",
	"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et",
	"zip", "rar", "7z", "gz", "tar",
	"mp3", "mp4", "avi", "flv", "wmv", "mov", "swf", "exe", "apk"}

// calendarTrap matches the endless calendar, which the crawler caps at a
// few query variants; the peers skip it.
const calendarTrap = `/calendar\.html\?`

// collyMain is the bare Colly peer: it follows every <a href> on the
// site's host with the same parallelism, obeying robots.txt and skipping
// the same file types and the calendar, and does nothing else with the
// pages. It prints the number of responses.
func collyMain(args []string) error {
	fs := flag.NewFlagSet("colly", flag.ContinueOnError)
	parallelism := fs.Int("parallelism", 8, "concurrent requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: colly [-parallelism N] URL")
	}
	start := fs.Arg(0)
	u, err := url.Parse(start)
	if err != nil {
		return err
	}
	c := colly.NewCollector(colly.Async(true), colly.AllowedDomains(u.Hostname()))
	c.IgnoreRobotsTxt = false
	ext := ""
	for i, e := range skipped {
		if i > 0 {
			ext += "|"
		}
		ext += e
	}
	c.DisallowedURLFilters = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\.(` + ext + `)(\?|$)`),
		regexp.MustCompile(calendarTrap),
	}
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: *parallelism}); err != nil {
		return err
	}
	var pages atomic.Int64
	c.OnResponse(func(*colly.Response) { pages.Add(1) })
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		_ = e.Request.Visit(e.Attr("href"))
	})
	if err := c.Visit(start); err != nil {
		return err
	}
	c.Wait()
	fmt.Println(pages.Load())
	return nil
}
