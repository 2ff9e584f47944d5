module alsbot

go 1.26.8

require (
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/line/line-bot-sdk-go/v8 v8.22.0 // indirect
	github.com/slack-go/slack v0.34.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
