package devenv

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
)

// The package config's own cluster elements, replaced by a node's: its
// remote_servers holds test clusters on port 9000, and the others name
// substitutions (incl) from a file we do not write.
var clusterElements = []*regexp.Regexp{
	regexp.MustCompile(`(?s)<remote_servers[^>]*>.*?</remote_servers>`),
	regexp.MustCompile(`(?s)<remote_servers[^>]*/>`),
	regexp.MustCompile(`(?s)<zookeeper[^>]*/>`),
	regexp.MustCompile(`(?s)<zookeeper[^>]*>.*?</zookeeper>`),
	regexp.MustCompile(`(?s)<macros[^>]*/>`),
	regexp.MustCompile(`(?s)<macros[^>]*>.*?</macros>`),
	regexp.MustCompile(`(?s)<distributed_ddl>.*?</distributed_ddl>`),
}

// clusterNodeConfig rewrites a server config made by serverConfig for node
// self of cluster name: its interserver port (replicas fetch parts from
// each other on 127.0.0.1), ZooKeeper on 127.0.0.1:zkPort, the macros
// {shard}, {replica} and {cluster}, the distributed DDL queue, and
// remote_servers with the one cluster of nodes, in which a shard's replicas
// replicate themselves (internal_replication), so that a Distributed insert
// writes each row to one replica only.
//
// With a password (the default user's), each replica in remote_servers
// carries it, since a node connects to the others as that user for
// Distributed queries and ON CLUSTER statements, and replicas fetch parts
// from each other with interserver credentials.
func clusterNodeConfig(conf, name string, nodes []ClusterNode, self ClusterNode, zkPort int, password string) string {
	for _, re := range clusterElements {
		conf = re.ReplaceAllString(conf, "")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "    <interserver_http_port>%d</interserver_http_port>\n", self.InterserverPort)
	if password != "" {
		fmt.Fprintf(&b, "    <interserver_http_credentials><user>interserver</user><password>%s</password></interserver_http_credentials>\n", xmlText(password))
	}
	b.WriteString("    <interserver_http_host>127.0.0.1</interserver_http_host>\n")
	fmt.Fprintf(&b, "    <zookeeper>\n        <node><host>127.0.0.1</host><port>%d</port></node>\n    </zookeeper>\n", zkPort)
	fmt.Fprintf(&b, "    <macros>\n        <cluster>%s</cluster>\n        <shard>%d</shard>\n        <replica>%d</replica>\n    </macros>\n", name, self.Shard, self.Replica)
	b.WriteString("    <distributed_ddl>\n        <path>/clickhouse/task_queue/ddl</path>\n    </distributed_ddl>\n")
	fmt.Fprintf(&b, "    <remote_servers>\n        <%s>\n", name)
	for i, n := range nodes {
		if i == 0 || nodes[i-1].Shard != n.Shard {
			b.WriteString("            <shard>\n                <internal_replication>true</internal_replication>\n")
		}
		auth := ""
		if password != "" {
			auth = "<user>default</user><password>" + xmlText(password) + "</password>"
		}
		fmt.Fprintf(&b, "                <replica><host>127.0.0.1</host><port>%d</port>%s</replica>\n", n.TCPPort, auth)
		if i == len(nodes)-1 || nodes[i+1].Shard != n.Shard {
			b.WriteString("            </shard>\n")
		}
	}
	fmt.Fprintf(&b, "        </%s>\n    </remote_servers>\n", name)
	end := rootEnd.FindStringIndex(conf) // serverConfig checked there is one
	return conf[:end[0]] + b.String() + conf[end[0]:]
}

var (
	defaultPassword = regexp.MustCompile(`(?s)(<users>.*?<default>.*?)<password></password>`) // the element, not the example in its comment
	defaultProfile  = regexp.MustCompile(`(?s)<profiles>.*?<default>(.*?)</default>`)
	balancing       = regexp.MustCompile(`(?s)\s*<load_balancing>[^<]*</load_balancing>`)
)

// clusterNodeUsers sets in the default profile what servicepulse needs of
// an 18.x cluster and cannot send with its queries (docs/cluster.md):
// LowCardinality columns, since 18.x runs an ON CLUSTER statement with each
// server's default profile, not with the settings of the query that queued
// it; and load_balancing in_order, a string setting that clickhouse-go
// sends only to servers from 19 on. The package's file sets random there.
//
// With a password hash, the default user needs that password.
func clusterNodeUsers(users, passwordSHA256 string) string {
	if passwordSHA256 != "" {
		users = defaultPassword.ReplaceAllString(users, "${1}<password_sha256_hex>"+passwordSHA256+"</password_sha256_hex>")
	}
	loc := defaultProfile.FindStringSubmatchIndex(users)
	if loc == nil {
		return users
	}
	body := balancing.ReplaceAllString(users[loc[2]:loc[3]], "")
	body = "\n            <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>" +
		"\n            <load_balancing>in_order</load_balancing>" + body
	return users[:loc[2]] + body + users[loc[3]:]
}

// xmlText escapes s for XML character data.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
