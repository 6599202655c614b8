"""The Scrapy side of the crawl benchmark: the same list pages, the same links, the same fields.
scrapy runspider bench/scrapy_spider.py -a hosts=100 -a port=18089 -o OUT.jsonl"""
import scrapy


class BenchSpider(scrapy.Spider):
    name = "bench"
    custom_settings = {
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "RETRY_ENABLED": True,
    }

    def __init__(self, hosts="100", port="18089", **kw):
        super().__init__(**kw)
        self.start_urls = [f"http://127.0.0.{h + 2}:{port}/list-{h}.html" for h in range(int(hosts))]

    def parse(self, response):
        for href in response.xpath("//a[@class='a']/@href").getall():
            yield response.follow(href, callback=self.parse_article)

    def parse_article(self, response):
        yield {
            "url": response.url,
            "title": response.xpath("normalize-space(//h1)").get(),
            "text": " ".join(t.strip() for t in response.xpath("//article//text()").getall() if t.strip()),
        }
