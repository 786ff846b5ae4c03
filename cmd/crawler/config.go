package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hnredstar/crawler/canon"
	"github.com/hnredstar/crawler/crawl"
)

// Config is the whole of config.yaml. Every key has a default (see
// defaultConfig), so a file only needs the keys it changes.
type Config struct {
	Site     SiteConfig     `yaml:"site"`
	Crawl    CrawlConfig    `yaml:"crawl"`
	Extract  ExtractConfig  `yaml:"extract"`
	Archive  ArchiveConfig  `yaml:"archive"`
	Schedule ScheduleConfig `yaml:"schedule"`

	// file and archivePathLine locate archive.path for errors found
	// after loading (an archive that cannot be created).
	file            string
	archivePathLine int
}

// SiteConfig says where the site is and what belongs to it.
type SiteConfig struct {
	StartURLs []string `yaml:"start_urls"`
	// Hosts are the names the site is served under (host, or host:port
	// when not the default); a page under any of them is one page, recorded
	// under Canonical, the origin (scheme and host) it is recorded under.
	Hosts     []string `yaml:"hosts"`
	Canonical string   `yaml:"canonical"`
	// ResourceHosts serve the site's images and attachments: recorded in
	// articles, never crawled.
	ResourceHosts []string `yaml:"resource_hosts"`
	// AllowedDomains are other host names whose pages are crawled.
	AllowedDomains []string `yaml:"allowed_domains"`
	// ArticleURLPatterns and ListURLPatterns are optional regular
	// expressions that classify pages by URL before any content heuristic.
	ArticleURLPatterns []string `yaml:"article_url_patterns"`
	ListURLPatterns    []string `yaml:"list_url_patterns"`
}

// CrawlConfig holds the politeness and limit settings of a crawl.
type CrawlConfig struct {
	UserAgent            string   `yaml:"user_agent"`
	Delay                Duration `yaml:"delay"`
	Parallelism          int      `yaml:"parallelism"`
	Timeout              Duration `yaml:"timeout"`
	MaxRetries           int      `yaml:"max_retries"`
	MaxPages             int      `yaml:"max_pages"`
	MaxBodyBytes         int64    `yaml:"max_body_bytes"`
	AllowPrivateNetworks bool     `yaml:"allow_private_networks"`
	MaxDepth             int      `yaml:"max_depth"`
	RecheckDays          int      `yaml:"recheck_days"`
	// FetchAttachments, FetchImages and MaxAttachmentBytes drive the
	// file pass that ends each run (crawl/attachments.go).
	FetchAttachments   bool  `yaml:"fetch_attachments"`
	FetchImages        bool  `yaml:"fetch_images"`
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
	// CAFile is a PEM file of root certificates trusted besides the
	// system's, e.g. a CA the system does not ship.
	CAFile string `yaml:"ca_file"`
	// TLSLegacy allows TLS 1.0/1.1 and RSA key exchange for servers
	// limited to them.
	TLSLegacy bool `yaml:"tls_legacy"`
	// ChallengeLimit is how many anti-bot challenge pages in a row make
	// a run leave a host alone.
	ChallengeLimit int `yaml:"challenge_limit"`
	// Browser is "" (off) or "challenge": load a challenged page once in
	// headless Chromium and crawl on with its cookies.
	Browser string `yaml:"browser"`
}

// ExtractConfig holds optional CSS selectors for the site's article pages.
// Empty selectors leave the field to the extractor's heuristics.
type ExtractConfig struct {
	Title     string `yaml:"title"`
	Source    string `yaml:"source"`
	Published string `yaml:"published"`
	Body      string `yaml:"body"`
	Column    string `yaml:"column"`
}

// ArchiveConfig says where the archive lives.
type ArchiveConfig struct {
	Path        string   `yaml:"path"`
	LockTimeout Duration `yaml:"lock_timeout"`
	// FileMode is the permission of the files the crawler creates: the
	// archive, exports and backups.
	FileMode FileMode `yaml:"file_mode"`
}

// FileMode is a file permission written in YAML as an octal string, "0600".
type FileMode os.FileMode

// UnmarshalYAML parses an octal permission such as "0600" or "0640".
func (m *FileMode) UnmarshalYAML(n *yaml.Node) error {
	v, err := strconv.ParseUint(strings.TrimPrefix(n.Value, "0o"), 8, 32)
	if n.Kind != yaml.ScalarNode || err != nil || v > 0o777 {
		return fmt.Errorf(`%q is not a file permission; write it in octal, like "0600"`, n.Value)
	}
	*m = FileMode(v)
	return nil
}

// Perm returns m as an os.FileMode.
func (m FileMode) Perm() os.FileMode { return os.FileMode(m) }

// ScheduleConfig drives "crawler schedule".
type ScheduleConfig struct {
	// Cron is when runs start: five fields (minute hour day month
	// weekday), six with seconds first, or @hourly, @daily, @every 6h;
	// an optional "CRON_TZ=Asia/Shanghai " prefix sets the zone.
	Cron string `yaml:"cron"`
	// Jitter delays each run by a random time in [0, Jitter).
	Jitter Duration `yaml:"jitter"`
	// MetricsAddr, if set, serves Prometheus metrics at /metrics on it;
	// a bare port (":9464" or "9464") listens on 127.0.0.1 only.
	MetricsAddr string `yaml:"metrics_addr"`
}

// Duration is a time.Duration written in YAML as "1s", "500ms", "2m".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New(`expected a duration such as "1s" or "500ms"`)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf(`%q is not a duration; write it like "1s", "500ms" or "2m"`, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

func defaultConfig() Config {
	return Config{
		// The site's names (hosts, canonical, resource_hosts) have no
		// default: a file that describes another site with start_urls and
		// allowed_domains must not inherit 红星网's names. The shipped
		// config.yaml sets them.
		Site: SiteConfig{
			StartURLs:      []string{"https://www.hxw.gov.cn/", "https://www.hnredstar.gov.cn/"},
			AllowedDomains: []string{"www.hxw.gov.cn", "hxw.gov.cn", "www.hnredstar.gov.cn", "hnredstar.gov.cn"},
		},
		Crawl: CrawlConfig{
			UserAgent:    "hnredstar-archiver/1.0 (+https://github.com/hnredstar/crawler)",
			Delay:        Duration(time.Second),
			Parallelism:  2,
			Timeout:      Duration(30 * time.Second),
			MaxRetries:   3,
			MaxBodyBytes: 10 << 20,
			MaxDepth:     5,
			// Files linked from articles are what the archive's users
			// want most; exam position tables run to a few MiB.
			FetchAttachments:   true,
			MaxAttachmentBytes: 64 << 20,

			ChallengeLimit: 5,
		},
		Archive: ArchiveConfig{
			Path:        "data/archive.db",
			LockTimeout: Duration(time.Second),
			FileMode:    0o600,
		},
		Schedule: ScheduleConfig{
			Cron: "17 */6 * * *",
		},
	}
}

// ConfigError is a problem with the configuration, located by file, line
// and key so the user can go straight to it.
type ConfigError struct {
	File string
	Line int // 0 when the problem is not tied to one line
	Key  string
	Msg  string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		fmt.Fprintf(&b, "%s: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// loadConfigFile reads and validates the configuration at path. A
// relative archive.path, set or default, is taken relative to the file's
// directory, so the configuration means the same from any directory.
func loadConfigFile(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Config{}, &ConfigError{File: path, Msg: "no such file; check the path given to --config (without --config, config.yaml in the current directory is read if it exists)"}
		}
		return Config{}, &ConfigError{File: path, Msg: err.Error()}
	}
	defer f.Close()
	cfg, err := parseConfig(f, path)
	if err != nil {
		return cfg, err
	}
	if !filepath.IsAbs(cfg.Archive.Path) {
		cfg.Archive.Path = filepath.Join(filepath.Dir(path), cfg.Archive.Path)
	}
	return cfg, nil
}

// parseConfig decodes YAML strictly over the defaults: an unknown key, a
// value of the wrong type or a bad duration is an error naming the line and
// the key. The result is validated.
func parseConfig(r io.Reader, name string) (Config, error) {
	cfg := defaultConfig()
	data, err := io.ReadAll(r)
	if err != nil {
		return cfg, &ConfigError{File: name, Msg: err.Error()}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return cfg, yamlSyntaxError(name, err)
	}
	if len(root.Content) > 0 { // an empty file keeps the defaults
		if err := decodeStrict(root.Content[0], reflect.ValueOf(&cfg).Elem(), "", name); err != nil {
			return cfg, err
		}
	}
	cfg.file, cfg.archivePathLine = name, lineOf(&root, "archive.path")
	return cfg, cfg.validate(name, &root)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlSyntaxError(name string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		var line int
		fmt.Sscan(m[1], &line)
		return &ConfigError{File: name, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &ConfigError{File: name, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
}

// decodeStrict walks a mapping node into the struct v, key by key, so every
// error can name its key path and line.
func decodeStrict(n *yaml.Node, v reflect.Value, path, file string) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if v.Kind() != reflect.Struct || v.Type() == reflect.TypeOf(Duration(0)) {
		if err := n.Decode(v.Addr().Interface()); err != nil {
			return &ConfigError{File: file, Line: n.Line, Key: path, Msg: typeErrorText(err, v.Type(), n)}
		}
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // "site:" with nothing under it keeps the defaults
	}
	if n.Kind != yaml.MappingNode {
		return &ConfigError{File: file, Line: n.Line, Key: orRoot(path), Msg: "expected a mapping of keys (key: value)"}
	}
	fields := yamlFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := joinKey(path, k.Value)
		if line, dup := seen[k.Value]; dup {
			return &ConfigError{File: file, Line: k.Line, Key: key, Msg: fmt.Sprintf("duplicate key (first set on line %d)", line)}
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			return &ConfigError{File: file, Line: k.Line, Key: key,
				Msg: fmt.Sprintf("unknown key; known keys under %s: %s", orRoot(path), strings.Join(sortedKeys(fields), ", "))}
		}
		if err := decodeStrict(val, v.Field(idx), key, file); err != nil {
			return err
		}
	}
	return nil
}

func typeErrorText(err error, t reflect.Type, n *yaml.Node) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		want := map[reflect.Kind]string{
			reflect.Int: "a whole number", reflect.Int64: "a whole number", reflect.Bool: "true or false",
			reflect.String: "a string", reflect.Slice: "a list",
		}[t.Kind()]
		if want == "" {
			want = t.String()
		}
		if n.Kind == yaml.ScalarNode {
			return fmt.Sprintf("expected %s, got %q", want, n.Value)
		}
		return "expected " + want
	}
	return err.Error()
}

func yamlFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// validate checks values that decode fine but make no sense. root locates
// the offending key's line when the file sets it.
func (c *Config) validate(file string, root *yaml.Node) error {
	bad := func(key, msg string) error {
		return &ConfigError{File: file, Line: lineOf(root, key), Key: key, Msg: msg}
	}
	if err := c.Site.validate(bad); err != nil {
		return err
	}
	if lineOf(root, "site.hosts") > 0 && lineOf(root, "site.allowed_domains") == 0 {
		// The default allowed_domains are 红星网's names, which a file
		// naming its site's hosts should not crawl by accident.
		return bad("site.hosts", "set site.allowed_domains too when setting site.hosts ([] for no other hosts); its default lists 红星网's names")
	}
	for _, p := range append(append([]string{}, c.Site.ArticleURLPatterns...), c.Site.ListURLPatterns...) {
		if _, err := regexp.Compile(p); err != nil {
			key := "site.article_url_patterns"
			if !slices.Contains(c.Site.ArticleURLPatterns, p) {
				key = "site.list_url_patterns"
			}
			return bad(key, fmt.Sprintf("%q is not a valid regular expression: %v", p, err))
		}
	}
	switch {
	case c.Crawl.Delay < 0:
		return bad("crawl.delay", "must not be negative")
	case c.Crawl.Parallelism < 1:
		return bad("crawl.parallelism", "must be at least 1")
	case c.Crawl.Timeout <= 0:
		return bad("crawl.timeout", "must be positive, e.g. 30s")
	case c.Crawl.MaxRetries < 0:
		return bad("crawl.max_retries", "must not be negative")
	case c.Crawl.MaxPages < 0:
		return bad("crawl.max_pages", "must not be negative (0 means no limit)")
	case c.Crawl.MaxDepth < 1:
		return bad("crawl.max_depth", "must be at least 1")
	case c.Crawl.RecheckDays < 0:
		return bad("crawl.recheck_days", "must not be negative (0 turns rechecking off)")
	case c.Crawl.ChallengeLimit < 1:
		return bad("crawl.challenge_limit", "must be at least 1")
	case c.Crawl.Browser != "" && c.Crawl.Browser != "off" && c.Crawl.Browser != "challenge":
		return bad("crawl.browser", fmt.Sprintf("%q is not a browser mode; write \"challenge\" (load challenge pages in headless Chromium) or leave it empty", c.Crawl.Browser))
	case c.Crawl.MaxBodyBytes < 1024:
		return bad("crawl.max_body_bytes", "must be at least 1024")
	case c.Crawl.MaxAttachmentBytes < 1024:
		return bad("crawl.max_attachment_bytes", "must be at least 1024, e.g. 67108864 (64 MiB)")
	case strings.TrimSpace(c.Crawl.UserAgent) == "":
		return bad("crawl.user_agent", "must name the crawler and a contact")
	case strings.TrimSpace(c.Archive.Path) == "":
		return bad("archive.path", "must name the archive file, e.g. data/archive.db")
	case c.Archive.LockTimeout < 0:
		return bad("archive.lock_timeout", "must not be negative")
	case c.Archive.FileMode&0o600 != 0o600:
		return bad("archive.file_mode", fmt.Sprintf("%04o would not let the crawler read and write its own files; the owner needs 6, e.g. \"0600\"", uint32(c.Archive.FileMode)))
	case c.Schedule.Jitter < 0:
		return bad("schedule.jitter", "must not be negative")
	}
	if c.Crawl.CAFile != "" {
		if _, err := crawl.LoadCAFile(c.Crawl.CAFile); err != nil {
			return bad("crawl.ca_file", strings.TrimPrefix(err.Error(), "crawl.ca_file: "))
		}
	}
	if _, err := parseCron(c.Schedule.Cron); err != nil {
		return bad("schedule.cron", err.Error())
	}
	if _, err := metricsAddr(c.Schedule.MetricsAddr); err != nil {
		return bad("schedule.metrics_addr", err.Error())
	}
	return nil
}

// validate checks the site's keys; bad makes the error for a key.
func (s *SiteConfig) validate(bad func(key, msg string) error) error {
	if len(s.StartURLs) == 0 {
		return bad("site.start_urls", "at least one start URL is required")
	}
	if len(s.Hosts) == 0 && len(s.AllowedDomains) == 0 {
		return bad("site.hosts", "at least one host is required: the site's names, e.g. www.hxw.gov.cn")
	}
	for _, d := range s.AllowedDomains {
		if d == "" || strings.ContainsAny(d, "/: @?#") {
			return bad("site.allowed_domains", fmt.Sprintf("%q is not a host name; write it like www.hxw.gov.cn", d))
		}
	}
	crawled := slices.Clone(s.AllowedDomains)
	for _, h := range s.Hosts {
		name, ok := hostName(h)
		if !ok {
			return bad("site.hosts", fmt.Sprintf("%q is not a host name; write it like www.hxw.gov.cn, or 127.0.0.1:8080 with a port", h))
		}
		crawled = append(crawled, name)
	}
	if len(s.Hosts) > 0 && s.Canonical == "" {
		return bad("site.canonical", "required with site.hosts: the scheme and host pages are recorded under, e.g. https://www.hxw.gov.cn")
	}
	if s.Canonical != "" {
		u, err := url.Parse(s.Canonical)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
			return bad("site.canonical", fmt.Sprintf("%q is not an origin; write the scheme and host only, like https://www.hxw.gov.cn", s.Canonical))
		}
		if !containsFold(s.Hosts, u.Host) && !containsFold(s.Hosts, u.Hostname()) {
			return bad("site.canonical", fmt.Sprintf("host %s is not among site.hosts (%s); add it there", u.Host, strings.Join(s.Hosts, ", ")))
		}
		if _, err := canon.New(canon.Options{Hosts: s.Hosts, Canonical: s.Canonical}); err != nil {
			return bad("site.hosts", err.Error())
		}
	}
	for _, h := range s.ResourceHosts {
		name, ok := hostName(h)
		switch {
		case !ok:
			return bad("site.resource_hosts", fmt.Sprintf("%q is not a host name; write it like img.hxw.gov.cn", h))
		case containsFold(crawled, name):
			return bad("site.resource_hosts", fmt.Sprintf("%q is also crawled (site.hosts or site.allowed_domains); a resource host only serves files, so list it in one place", h))
		}
	}
	for _, raw := range s.StartURLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("site.start_urls", fmt.Sprintf("%q is not an absolute http(s) URL", raw))
		}
		if !containsFold(crawled, u.Hostname()) {
			return bad("site.start_urls", fmt.Sprintf("%q is outside site.hosts and site.allowed_domains (%s); add its host to site.hosts", raw, strings.Join(crawled, ", ")))
		}
	}
	return nil
}

// hostName returns the host name of h, a host with an optional port, and
// reports whether h is one.
func hostName(h string) (string, bool) {
	if h == "" || strings.ContainsAny(h, "/ @?#") {
		return "", false
	}
	u, err := url.Parse("//" + h)
	if err != nil || u.Hostname() == "" || (u.Port() == "" && strings.HasSuffix(h, ":")) {
		return "", false
	}
	return u.Hostname(), true
}

// lineOf finds the line of a dotted key in the document, or 0.
func lineOf(root *yaml.Node, key string) int {
	if root == nil || len(root.Content) == 0 {
		return 0
	}
	n := root.Content[0]
	parts := strings.Split(key, ".")
	for i, part := range parts {
		if n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == part {
				if i == len(parts)-1 {
					return n.Content[j].Line
				}
				next = n.Content[j+1]
			}
		}
		if next == nil {
			return 0
		}
		n = next
	}
	return 0
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
